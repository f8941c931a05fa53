package org.aiofs.image.qcow2.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** QEMU's own tools, the judge of what the checker and the creator do. */
public final class Qemu {
    public record Run(int exit, String out) {
    }

    private Qemu() {
    }

    /** Runs a command in {@code dir}; stdout only (stderr is kept apart so JSON stays parseable). */
    public static Run run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + String.join(" ", command));
        return new Run(p.exitValue(), out);
    }

    public static String ok(Path dir, String... command) throws IOException, InterruptedException {
        Run r = run(dir, command);
        assertEquals(0, r.exit(), String.join(" ", command) + " failed:\n" + r.out());
        return r.out();
    }

    /** qemu-io commands; fails on any reported error. */
    public static void io(Path dir, String image, String... commands) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "qcow2"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(image);
        String out = ok(dir, cmd.toArray(String[]::new));
        assertTrue(!out.contains("error") && !out.contains("failed"), "qemu-io reported: " + out);
    }

    /** {@code qemu-img check --output=json}: its exit code and its JSON. */
    public static Verdict check(Path dir, String image, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-img", "check", "--output=json"));
        cmd.addAll(List.of(extra));
        cmd.add(image);
        Run r = run(dir, cmd.toArray(String[]::new));
        return new Verdict(r.exit(), new ObjectMapper().readTree(r.out()));
    }

    public record Verdict(int exit, JsonNode json) {
        /** A count as qemu-img reports it (absent keys are zero). */
        public long count(String key) {
            JsonNode n = json.get(key);
            return n == null ? 0 : n.asLong();
        }
    }

    public static JsonNode info(Path dir, String image) throws IOException, InterruptedException {
        return new ObjectMapper().readTree(ok(dir, "qemu-img", "info", "--output=json", image));
    }
}
