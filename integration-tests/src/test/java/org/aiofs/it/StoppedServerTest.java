package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;

/**
 * A server stopped with SIGSTOP answers nothing (issue 10, item 8): `aiofs unmount` says so at
 * once instead of waiting, and `aiofs unmount --force` aborts the connection (a reader waiting
 * on it fails instead of hanging), detaches the mount, and lets the resumed server close the
 * image.
 */
@ExtendWith(NoMountLeftBehind.class)
class StoppedServerTest {
    @TempDir
    Path dir;

    @Test
    void unmountNamesAStoppedServerAndForceGetsOut() throws Exception {
        Path image = dir.resolve("vm.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "64M");
        byte[] data = new byte[1 << 20];
        new Random(11).nextBytes(data);
        MountedImage m = MountedImage.mount(image, dir);
        try (FileChannel ch = FileChannel.open(m.disk(), StandardOpenOption.WRITE)) {
            RawMountTest.writeFully(ch, ByteBuffer.wrap(data), 1 << 20); // acknowledged, not fsynced
        }
        Commands.run("kill", "-STOP", Long.toString(m.serverPid())).assertSuccess();
        try {
            CompletableFuture<Tool.Result> reader = CompletableFuture.supplyAsync(() -> Commands.run("dd",
                    "if=" + m.disk(), "of=/dev/null", "bs=4k", "count=1", "skip=100", "iflag=direct"));

            Tool.Result plain = Commands.aiofs("unmount", m.mountPoint().toString());
            assertEquals(1, plain.exitCode(), plain.toString());
            assertEquals(1, plain.stderrLines().size(), plain.stderr());
            assertTrue(plain.stderr().contains("(pid " + m.serverPid() + ") is stopped"), plain.stderr());
            assertTrue(plain.stderr().contains("aiofs unmount --force"), plain.stderr());
            assertTrue(Mounts.isMounted(m.mountPoint()), "a plain unmount must leave it as it was");

            Tool.Result forced = Commands.aiofs("unmount", "--force", m.mountPoint().toString());
            forced.assertSuccess();
            m.forgetMount();
            assertFalse(Mounts.isMounted(m.mountPoint()));
            assertNotEquals(0, reader.get(60, TimeUnit.SECONDS).exitCode(), "the waiting reader must fail");
            assertFalse(MountedImage.isRunning(m.serverPid()),
                    "the resumed server must have closed the image and exited");
        } finally {
            Commands.run("kill", "-CONT", Long.toString(m.serverPid()));
            if (Mounts.isMounted(m.mountPoint())) {
                Commands.run("fusermount", "-u", "-z", m.mountPoint().toString());
            }
        }
        Commands.run("qemu-img", "check", image.toString()).assertSuccess();
        byte[] raw = Files.readAllBytes(Qemu.toRaw(image, dir, "after.raw"));
        assertArrayEquals(data, Arrays.copyOfRange(raw, 1 << 20, (1 << 20) + data.length),
                "the server, resumed, keeps what it had acknowledged");
    }
}
