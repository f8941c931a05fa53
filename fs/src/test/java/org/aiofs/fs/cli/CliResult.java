package org.aiofs.fs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine;

/** What a command printed and returned, for the command-line tests. */
record CliResult(int exit, String out, String err) {

    /** The aiofs command line, run in-process with its output captured. */
    static CliResult aiofs(String... args) {
        CommandLine cl = AiofsCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new CliResult(exit, out.toString(), err.toString());
    }

    /** An external program (qemu-img, qemu-io) run in {@code dir}. */
    static CliResult run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        String out = readAll(p.getInputStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        return new CliResult(p.exitValue(), out, err.join());
    }

    /** An external program that must succeed; what it printed on stdout. */
    static String ok(Path dir, String... command) throws IOException, InterruptedException {
        CliResult r = run(dir, command);
        assertEquals(0, r.exit(), String.join(" ", command) + ": " + r.out() + r.err());
        return r.out();
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
