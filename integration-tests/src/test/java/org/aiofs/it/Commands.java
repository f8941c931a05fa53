package org.aiofs.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs external programs (qemu-img, mkfs, the aiofs CLI) and collects their output. */
public final class Commands {
    private static final long TIMEOUT_SECONDS = 300;

    private Commands() {
    }

    public static CommandResult run(String... command) {
        return run(Map.of(), List.of(command));
    }

    public static CommandResult run(Map<String, String> env, List<String> command) {
        return run(env, command, null);
    }

    /** Runs a command in {@code dir} (qemu-img resolves a relative data_file= against its working directory). */
    public static CommandResult runIn(Path dir, String... command) {
        return run(Map.of(), List.of(command), null, dir);
    }

    /** Runs a command with {@code input} on its standard input. */
    public static CommandResult runWithInput(String input, String... command) {
        return run(Map.of(), List.of(command), input);
    }

    private static CommandResult run(Map<String, String> env, List<String> command, String input) {
        return run(env, command, input, null);
    }

    private static CommandResult run(Map<String, String> env, List<String> command, String input, Path dir) {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        if (input == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        try {
            Process p = pb.start();
            if (input != null) {
                try (var stdin = p.getOutputStream()) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            return new CommandResult(command, p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The aiofs CLI, run from the jar the fs module built, as a user runs it. */
    public static CommandResult aiofs(String... args) {
        return aiofs(Map.of(), args);
    }

    public static CommandResult aiofs(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", aiofsJar().toString(), "org.aiofs.fs.cli.AiofsCommand"));
        command.addAll(withTransport(args));
        return run(env, command);
    }

    /**
     * The suite runs once per FUSE transport: {@code aiofs.transport} (set by each surefire
     * execution) is given to every mount that does not name one itself.
     */
    static List<String> withTransport(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        boolean named = all.stream().anyMatch(a -> a.equals("--transport") || a.startsWith("--transport="));
        if (!all.isEmpty() && all.get(0).equals("mount") && !named) {
            all.add(1, "--transport=" + transport());
        }
        return all;
    }

    /** The transport this run of the suite tests (kernel unless the surefire execution says otherwise). */
    public static String transport() {
        return System.getProperty("aiofs.transport", "kernel");
    }

    public static Path aiofsJar() {
        String jar = System.getProperty("aiofs.jar");
        if (jar == null) {
            throw new IllegalStateException("system property aiofs.jar is not set (run through Maven)");
        }
        return Path.of(jar).toAbsolutePath().normalize();
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
