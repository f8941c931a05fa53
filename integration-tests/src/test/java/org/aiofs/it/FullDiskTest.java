package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;

import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host disk fills up under a qcow2 image: writes fail with an error, what was written
 * before (fsynced or not) stays, the image is never corrupt, and nothing is left mounted.
 */
@ExtendWith(NoMountLeftBehind.class)
class FullDiskTest {
    @TempDir
    Path dir;

    @Test
    void qcow2OnAFullHostDisk() throws IOException {
        Path small = Files.createDirectory(dir.resolve("small"));
        Commands.run("mount", "-t", "tmpfs", "-o", "size=24M", "tmpfs", small.toString()).assertSuccess();
        try {
            Path image = small.resolve("vm.qcow2");
            Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "200M");
            byte[] kept = new byte[4 << 20];
            new Random(7).nextBytes(kept);
            byte[] unflushed = new byte[2 << 20];
            new Random(8).nextBytes(unflushed);
            IOException failure = null;
            try (MountedImage m = MountedImage.mount(image, dir)) {
                try (FileChannel disk = FileChannel.open(m.disk(), StandardOpenOption.WRITE)) {
                    RawMountTest.writeFully(disk, ByteBuffer.wrap(kept), 0);
                    disk.force(true);
                    RawMountTest.writeFully(disk, ByteBuffer.wrap(unflushed), 32L << 20); // acknowledged, not fsynced
                    byte[] more = new byte[1 << 20];
                    try {
                        for (int i = 0; i < 60; i++) {
                            RawMountTest.writeFully(disk, ByteBuffer.wrap(more), (64L << 20) + ((long) i << 20));
                        }
                        disk.force(true);
                    } catch (IOException e) {
                        failure = e;
                    }
                }
                // writing stopped at the failed allocation: the unmount must say so, not report success
                Tool.Result unmount = Commands.aiofs("unmount", m.mountPoint().toString());
                m.forgetMount();
                assertEquals(1, unmount.exitCode(), unmount.toString());
                assertEquals(1, unmount.stderrLines().size(), unmount.stderr());
                assertTrue(unmount.stderr().contains("No space left on device"), unmount.stderr());
                assertFalse(Mounts.isMounted(m.mountPoint()));
            }
            assertNotNull(failure, "60 MiB fit on a 24 MiB disk?");
            Tool.Result check = Commands.run("qemu-img", "check", image.toString());
            assertTrue(check.exitCode() == 0 || check.exitCode() == 3, "more than leaks: " + check);
            Path raw = Qemu.toRaw(image, dir, "after.raw");
            byte[] head = new byte[kept.length];
            try (FileChannel ch = FileChannel.open(raw)) {
                ch.read(ByteBuffer.wrap(head), 0);
            }
            assertTrue(Arrays.equals(kept, head), "data fsynced before the disk filled was lost");
            byte[] middle = new byte[unflushed.length];
            try (FileChannel ch = FileChannel.open(raw)) {
                ch.read(ByteBuffer.wrap(middle), 32L << 20);
            }
            assertTrue(Arrays.equals(unflushed, middle), "data written (not fsynced) before the disk filled was lost");
            assertEquals(0, Commands.aiofs("check", "--repair", image.toString()).exitCode());
            Commands.run("qemu-img", "check", image.toString()).assertSuccess();
        } finally {
            Commands.run("umount", small.toString()).assertSuccess();
        }
    }
}
