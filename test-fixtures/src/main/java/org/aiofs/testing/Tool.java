package org.aiofs.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a program the way tests need it: standard output and error collected while it
 * runs (a chatty program can't fill a pipe and stall), and a timeout that fires (a hung
 * program is killed and fails the test rather than hanging the build).
 */
public final class Tool {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    /** What a program did. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        /** This result, or an AssertionError saying what failed and what it printed. */
        public Result assertSuccess() {
            if (exitCode != 0) {
                throw new AssertionError(describe());
            }
            return this;
        }

        /** The non-blank lines of standard error. */
        public List<String> stderrLines() {
            return stderr.lines().filter(l -> !l.isBlank()).toList();
        }

        public String describe() {
            return String.join(" ", command) + " exited " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n"
                    + stderr;
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    private Tool() {
    }

    /** Runs {@code command} in {@code dir} (null: the current directory) with the default timeout. */
    public static Result run(Path dir, String... command) {
        return run(dir, DEFAULT_TIMEOUT, Map.of(), null, List.of(command));
    }

    /** The standard output of a command that must succeed. */
    public static String ok(Path dir, String... command) {
        return run(dir, command).assertSuccess().stdout();
    }

    /**
     * @param env   added to this process's environment
     * @param input written to its standard input (null: /dev/null)
     */
    public static Result run(Path dir, Duration timeout, Map<String, String> env, String input,
            List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        if (input == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try {
            if (input != null) {
                try (var stdin = p.getOutputStream()) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish in " + timeout.toSeconds()
                        + " s (killed); it printed:\n" + out.getNow("") + err.getNow(""));
            }
            // the pipes close with the process (a child it left behind could keep them open: bounded too)
            return new Result(command, p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + String.join(" ", command), e);
        } catch (IOException | ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + ": " + e, e);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
