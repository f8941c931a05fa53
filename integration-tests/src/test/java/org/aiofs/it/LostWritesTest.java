package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;

/**
 * Writes acknowledged but not yet durable when the host disk fails (issue 10, item 1): the
 * final flush at unmount or SIGTERM fails, and that must be said (non-zero exit, one line
 * saying what was lost), never "unmounted" with exit 0.
 */
@ExtendWith(NoMountLeftBehind.class)
class LostWritesTest {
    private static final int WRITES = 150;
    /**
     * Room for the writes' 150 new L2 tables (9.4 MiB) below the commit threshold (a quarter of
     * the cache; the default 32M commits at 8 MiB): no commit runs while the test writes, so none
     * fails then and turns the writes that follow into EIO. The flush at the end is the first.
     */
    private static final String NO_COMMIT_WHILE_WRITING = "--cache-size=64M";

    @TempDir
    Path dir;

    @Test
    void unmountReportsAFinalFlushThatFailed() throws Exception {
        try (ThinHostDisk host = ThinHostDisk.create(dir, 48)) {
            Path image = host.dir().resolve("vm.qcow2");
            Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "100G");
            MountedImage m = MountedImage.mount(image, dir, NO_COMMIT_WHILE_WRITING);
            host.exhaust(); // first: a writeback before the flush fails too, never lands
            writeUnflushed(m.disk());
            Tool.Result r = Commands.aiofs("unmount", m.mountPoint().toString());
            m.forgetMount();
            assertEquals(1, r.exitCode(), r.toString());
            assertEquals(1, r.stderrLines().size(), r.stderr());
            assertReportsTheLoss(r.stderr());
            assertFalse(Mounts.isMounted(m.mountPoint()));
            assertFalse(MountedImage.isRunning(m.serverPid()));
        }
    }

    /** SIGTERM's path: the server exits 1 (not SIGTERM's 143) and its last words say what was lost. */
    @Test
    void sigtermReportsAFinalFlushThatFailed() throws Exception {
        try (ThinHostDisk host = ThinHostDisk.create(dir, 48)) {
            Path image = host.dir().resolve("vm.qcow2");
            Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "100G");
            Path mountPoint = Files.createDirectory(dir.resolve("mnt"));
            Path log = dir.resolve("server.log");
            Process server = new ProcessBuilder(Commands.javaBinary(), "-cp", Commands.aiofsJar().toString(),
                    "org.aiofs.fs.cli.AiofsCommand", "mount", "--foreground", "--notify-ready", NO_COMMIT_WHILE_WRITING,
                    image.toString(), mountPoint.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectError(log.toFile()).start();
            try {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                    String first = out.readLine();
                    assertTrue(first != null && first.startsWith("pid: "), () -> first + "\n" + read(log));
                    assertEquals("READY", out.readLine(), () -> read(log));
                }
                host.exhaust(); // first: a writeback before the flush fails too, never lands
                writeUnflushed(mountPoint.resolve("disk.raw"));
                server.destroy(); // SIGTERM
                assertTrue(server.waitFor(180, TimeUnit.SECONDS), "the server did not end");
                assertEquals(1, server.exitValue(), () -> read(log));
                // its last words: other errors (a failed fsync of the guest's) may come before or after
                String report = read(log).lines().filter(l -> l.contains("error:") && l.contains("clusters"))
                        .reduce((a, b) -> b).orElse(read(log));
                assertReportsTheLoss(report);
                assertFalse(Mounts.isMounted(mountPoint));
            } finally {
                server.destroyForcibly();
                server.waitFor(60, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The failed flush is the final one, or one of the writer's own metadata commits that came
     * first (then writing stopped there): either way the line says so and counts the writes
     * that allocated clusters since the last flush.
     */
    private static void assertReportsTheLoss(String line) {
        assertTrue(line.contains("the final flush failed") || line.contains("writing stopped after a failure"), line);
        assertTrue(line.contains(WRITES + " that allocated clusters")
                || line.contains(WRITES + " write(s) before it that allocated clusters"), line);
    }

    /** Allocating 4 KiB writes, one per L2 table (512 MiB apart), none fsynced. */
    private static void writeUnflushed(Path disk) throws IOException {
        byte[] data = new byte[4096];
        new Random(10).nextBytes(data);
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.WRITE)) {
            for (int i = 0; i < WRITES; i++) {
                RawMountTest.writeFully(ch, ByteBuffer.wrap(data), (long) i << 29);
            }
        }
    }

    private static String read(Path log) {
        try {
            return String.join("\n", Files.readAllLines(log));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
