package org.aiofs.fs.mount;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts the mount server as a separate process (its own session, so it outlives the
 * terminal) and returns once the mount really serves, or fails with the server's own error.
 * The server is forked off by {@code setsid --fork}, whose own process ends at once: a JVM that
 * still has a child to wait for spends 300 ms at exit waiting for its process-reaper thread
 * (blocked in waitpid), a third of the mount's start-up. The server's output goes to a FIFO
 * rather than to a pipe of the {@link Process}, because Java drains and closes that pipe as soon
 * as the process it started (setsid) ends; end of file on the FIFO still means the server ended.
 */
public final class BackgroundMount {
    /** A line the server prints before READY for the user to see (the chain it follows). */
    static final String NOTE = "note: ";
    /** The server's first line: its process id, to stop it if it never comes up. */
    static final String PID = "pid: ";

    private static final long READY_TIMEOUT_SECONDS = 120;

    private BackgroundMount() {
    }

    /**
     * @param serverArguments the mount command's arguments for the server (without --foreground)
     * @param serverMemory    the server JVM's memory options ({@link ServerMemory})
     */
    public static void start(List<String> serverArguments, List<String> serverMemory, Path mountPoint)
            throws MountException, IOException {
        RuntimeFiles files = RuntimeFiles.forMountPoint(MountPaths.canonical(mountPoint));
        Path log = files.newLogFile();
        Path fifo = files.readyFifo();
        makeFifo(fifo);
        try {
            awaitReady(startServer(serverArguments, serverMemory, log), fifo, log, mountPoint);
        } finally {
            Files.deleteIfExists(fifo);
        }
    }

    private static List<String> startServer(List<String> serverArguments, List<String> serverMemory, Path log) {
        List<String> command = new ArrayList<>();
        if (Preflight.onPath("setsid")) {
            command.add("setsid");
            command.add("--fork");
        }
        command.addAll(SelfCommand.server(serverMemory));
        command.add("mount");
        command.add("--foreground");
        command.add("--notify-ready");
        command.add("--log-file=" + log);
        command.addAll(serverArguments);
        return command;
    }

    private static void awaitReady(List<String> command, Path fifo, Path log, Path mountPoint)
            throws MountException, IOException {
        CompletableFuture<ProcessHandle> server = new CompletableFuture<>();
        CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> readUntilReady(fifo, server));
        try {
            new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(fifo.toFile())
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            releaseReader(fifo);
            throw e;
        }
        String line;
        try {
            line = firstLine.get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new MountException("the server did not come up within " + READY_TIMEOUT_SECONDS + " s"
                    + (stop(server) ? "; stopped it" : "") + " (log: " + log + ")");
        } catch (InterruptedException | ExecutionException e) {
            stop(server);
            throw new MountException("interrupted while waiting for the server");
        }
        if ("READY".equals(line) && MountTable.find(MountPaths.canonical(mountPoint)).isPresent()) {
            return;
        }
        try {
            // the server closed its output: let it finish its log before the reason is read from it
            ProcessHandle known = server.getNow(null);
            if (known != null) {
                known.onExit().get(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // read what the log holds so far
        }
        throw new MountException(ServerLogReading.failure(log));
    }

    /** Stops the server if it said which process it is; true if it was asked to end. */
    private static boolean stop(CompletableFuture<ProcessHandle> server) {
        ProcessHandle known = server.getNow(null);
        return known != null && known.destroy();
    }

    /** The server's lines up to READY (notes shown on the terminal), or null if it ended before. */
    private static String readUntilReady(Path fifo, CompletableFuture<ProcessHandle> server) {
        try (BufferedReader out = Files.newBufferedReader(fifo, StandardCharsets.UTF_8)) {
            String l = out.readLine();
            if (l != null && l.startsWith(PID)) {
                ProcessHandle.of(Long.parseLong(l.substring(PID.length()).trim())).ifPresent(server::complete);
                l = out.readLine();
            }
            while (l != null && l.startsWith(NOTE)) {
                System.err.println("aiofs: " + l);
                l = out.readLine();
            }
            return l;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** A reader blocked opening the FIFO gets end of file when a writer comes and goes. */
    private static void releaseReader(Path fifo) {
        try (var unused = Files.newOutputStream(fifo, StandardOpenOption.WRITE)) {
            // nothing to write
        } catch (IOException ignored) {
            // no reader left to release
        }
    }

    /** mkfifo(1): the JDK has no call for it, and this client loads no native library. */
    private static void makeFifo(Path fifo) throws IOException, MountException {
        Files.deleteIfExists(fifo);
        try {
            Process p = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString())
                    .redirectErrorStream(true).start();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) {
                throw new MountException("cannot make " + fifo + ": " + said);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MountException("interrupted while starting the server");
        }
    }
}
