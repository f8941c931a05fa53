package org.aiofs.fs.mount;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts the mount server as a separate process (its own session, so it outlives the
 * terminal) and returns once the mount really serves, or fails with the server's own error.
 */
public final class BackgroundMount {
    /** A line the server prints before READY for the user to see (the chain it follows). */
    static final String NOTE = "note: ";

    private static final long READY_TIMEOUT_SECONDS = 120;

    private BackgroundMount() {
    }

    /**
     * @param serverArguments the mount command's arguments for the server (without --foreground)
     */
    public static void start(List<String> serverArguments, Path mountPoint) throws MountException, IOException {
        RuntimeFiles files = RuntimeFiles.forMountPoint(MountPaths.canonical(mountPoint));
        Path log = files.logFile();
        Files.deleteIfExists(log);

        List<String> command = new ArrayList<>();
        if (Preflight.onPath("setsid")) {
            command.add("setsid");
        }
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-XX:+UseSerialGC");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("org.aiofs.fs.cli.AiofsCommand");
        command.add("mount");
        command.add("--foreground");
        command.add("--notify-ready");
        command.addAll(serverArguments);

        Process server = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                String l = out.readLine();
                while (l != null && l.startsWith(NOTE)) {
                    System.err.println("aiofs: " + l);
                    l = out.readLine();
                }
                return l;
            } catch (IOException e) {
                return null;
            }
        });
        String line;
        try {
            line = firstLine.get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            server.destroy();
            throw new MountException("the server did not come up within " + READY_TIMEOUT_SECONDS
                    + " s; stopped it (log: " + log + ")");
        } catch (InterruptedException | ExecutionException e) {
            server.destroy();
            throw new MountException("interrupted while waiting for the server");
        }
        if ("READY".equals(line) && MountTable.find(MountPaths.canonical(mountPoint)).isPresent()) {
            return;
        }
        try {
            server.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new MountException(serverError(log));
    }

    /** The server's last error line; its whole log stays in the log file. */
    private static String serverError(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            for (int i = lines.size() - 1; i >= 0; i--) {
                String l = lines.get(i).trim();
                int at = l.indexOf("aiofs: ");
                if (at >= 0) {
                    return l.substring(at + "aiofs: ".length());
                }
            }
            return lines.isEmpty() ? "the server exited without a word (log: " + log + ")"
                    : lines.get(lines.size() - 1).trim();
        } catch (IOException e) {
            return "the server exited; its log " + log + " is unreadable: " + e.getMessage();
        }
    }
}
