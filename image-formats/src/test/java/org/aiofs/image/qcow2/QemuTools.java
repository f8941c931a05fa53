package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs QEMU's own tools, the truth the driver is checked against. */
public final class QemuTools {
    private QemuTools() {
    }

    /** What a command printed (stdout and stderr) and its exit code. */
    public record Run(int exit, String out) {
    }

    public static String run(Path dir, String... command) throws IOException, InterruptedException {
        Run r = runAny(dir, command);
        assertEquals(0, r.exit(), String.join(" ", command) + " failed:\n" + r.out());
        return r.out();
    }

    /** Runs a command whatever its exit code: for the failures QEMU is expected to report. */
    public static Run runAny(Path dir, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        Process p = pb.start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + String.join(" ", command));
        return new Run(p.exitValue(), out);
    }

    public static void qemuImg(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("qemu-img");
        cmd.addAll(List.of(args));
        run(dir, cmd.toArray(String[]::new));
    }

    /** qemu-io commands on an image; -f given so backing chains are opened as QEMU would. */
    public static void qemuIo(Path dir, String image, String format, String... commands)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", format));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(image);
        String out = run(dir, cmd.toArray(String[]::new));
        assertTrue(!out.contains("error") && !out.contains("failed"), "qemu-io reported: " + out);
    }

    /** QEMU's own view of the disk: `qemu-img convert -O raw`. */
    public static Path toRaw(Path dir, String image) throws IOException, InterruptedException {
        Path raw = dir.resolve(image + ".expected.raw");
        qemuImg(dir, "convert", "-O", "raw", image, raw.toString());
        return raw;
    }

    public static Path toRawSnapshot(Path dir, String image, String snapshot) throws IOException, InterruptedException {
        Path raw = dir.resolve(image + "." + snapshot + ".expected.raw");
        qemuImg(dir, "convert", "-O", "raw", "-l", "snapshot.name=" + snapshot, image, raw.toString());
        return raw;
    }
}
