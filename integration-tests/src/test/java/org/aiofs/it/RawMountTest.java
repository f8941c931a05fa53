package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;

import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A raw image mounted for real: what goes in through the mount is what the image holds afterwards. */
@ExtendWith(NoMountLeftBehind.class)
class RawMountTest {
    private static final long SIZE = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void listsTheDiskWithTheImageSizeAndMode() throws IOException {
        Path image = TestImages.sparseRaw(dir, "disk.img", SIZE);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw")) {
            assertEquals(List.of("disk.raw", "info.json"), TestImages.list(m.mountPoint()));
            assertEquals(SIZE, Files.size(m.disk()));
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(m.disk())));
        }
    }

    @Test
    void randomWritesThroughTheMountEqualTheSameWritesToACopy() throws IOException {
        Path image = TestImages.randomRaw(dir, "disk.img", SIZE, 1);
        Path model = dir.resolve("model.img");
        Files.copy(image, model);
        Random random = new Random(42);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw");
             FileChannel mounted = FileChannel.open(m.disk(), StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel copy = FileChannel.open(model, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 300; i++) {
                int length = 1 + random.nextInt(i % 10 == 0 ? 1 << 20 : 70_000); // unaligned, some > 128 KiB
                long position = (long) (random.nextDouble() * (SIZE - length));
                byte[] data = new byte[length];
                random.nextBytes(data);
                writeFully(mounted, ByteBuffer.wrap(data), position);
                writeFully(copy, ByteBuffer.wrap(data), position);
            }
            long last = SIZE - 1000; // the very end of the disk
            writeFully(mounted, ByteBuffer.wrap(new byte[1000]), last);
            writeFully(copy, ByteBuffer.wrap(new byte[1000]), last);
            mounted.force(true);
            // what the mount reads back is the model, before any unmount
            for (int i = 0; i < 50; i++) {
                long position = (long) (random.nextDouble() * (SIZE - 200_000));
                assertArrayEquals(read(copy, position, 200_000), read(mounted, position, 200_000),
                        "read back at " + position);
            }
        }
        assertEquals(-1L, Files.mismatch(image, model), "image differs from the model after unmount");
    }

    @Test
    void mkfsAndFsckThroughTheMount() throws IOException {
        Path image = TestImages.sparseRaw(dir, "disk.img", SIZE);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw")) {
            Commands.run("mkfs.ext4", "-q", "-F", m.disk().toString()).assertSuccess();
            Commands.run("e2fsck", "-fn", m.disk().toString()).assertSuccess();
            Commands.run("debugfs", "-w", "-R", "write /etc/os-release os-release", m.disk().toString())
                    .assertSuccess();
        }
        Commands.run("e2fsck", "-fn", image.toString()).assertSuccess();
        Tool.Result cat = Commands.run("debugfs", "-R", "cat os-release", image.toString()).assertSuccess();
        assertEquals(Files.readString(Path.of("/etc/os-release")), cat.stdout());
    }

    @Test
    void readOnlyMountRefusesWrites() throws IOException {
        Path image = TestImages.randomRaw(dir, "disk.img", SIZE, 7);
        byte[] before = Files.readAllBytes(image);
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(m.disk())));
            FileSystemException e = assertThrows(FileSystemException.class,
                    () -> FileChannel.open(m.disk(), StandardOpenOption.WRITE));
            assertTrue(e.getMessage().contains("Read-only file system"), e.getMessage());
            Tool.Result dd = Commands.run("dd", "if=/dev/zero", "of=" + m.disk(), "bs=4k", "count=1",
                    "conv=notrunc");
            assertTrue(dd.exitCode() != 0 && dd.stderr().contains("Read-only file system"), dd.stderr());
            try (FileChannel in = FileChannel.open(m.disk())) {
                assertArrayEquals(java.util.Arrays.copyOfRange(before, 12345, 12345 + 100_000),
                        read(in, 12345, 100_000));
            }
        }
        assertArrayEquals(before, Files.readAllBytes(image));
    }

    @Test
    void punchHoleAndZeroRangeReadBackAsZeroes() throws IOException {
        Path image = TestImages.randomRaw(dir, "disk.img", SIZE, 3);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw")) {
            Commands.run("fallocate", "--punch-hole", "--offset", "1048576", "--length", "2097152",
                    m.disk().toString()).assertSuccess();
            Commands.run("fallocate", "--zero-range", "--offset", "8392704", "--length", "70000",
                    m.disk().toString()).assertSuccess();
            Tool.Result grow = Commands.run("fallocate", "--offset", String.valueOf(SIZE), "--length", "4096",
                    m.disk().toString());
            assertTrue(grow.exitCode() != 0, "growing the disk must fail: " + grow);
        }
        byte[] bytes = Files.readAllBytes(image);
        assertTrue(allZero(bytes, 1048576, 2097152), "punched hole is not zero");
        assertTrue(allZero(bytes, 8392704, 70000), "zeroed range is not zero");
        assertFalse(allZero(bytes, 1048576 - 4096, 4096), "data before the hole was lost");
        assertFalse(allZero(bytes, 8392704 + 70000, 4096), "data after the zeroed range was lost");
        assertEquals(SIZE, Files.size(image));
    }

    /** Not with --passthrough auto: the kernel's own writes to the image file would grow it, as on the bare file. */
    @Test
    void writesPastTheEndFailWithNoSpace() throws IOException {
        Path image = TestImages.sparseRaw(dir, "disk.img", 1 << 20);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw", "--passthrough", "reads")) {
            Tool.Result dd = Commands.run("dd", "if=/dev/zero", "of=" + m.disk(), "bs=4k", "count=1",
                    "seek=256", "conv=notrunc");
            assertTrue(dd.exitCode() != 0 && dd.stderr().contains("No space left on device"), dd.stderr());
            Tool.Result truncate = Commands.run("truncate", "-s", "2M", m.disk().toString());
            assertTrue(truncate.exitCode() != 0, "a disk cannot be resized: " + truncate);
        }
        assertEquals(1 << 20, Files.size(image));
    }

    /**
     * 200 writes of random bytes at random places of the first {@code size} bytes (1 byte to 70 KB,
     * every tenth up to 1 MiB), the same to the mounted disk and to a plain copy, then fsync.
     */
    static void writeTheSameAtRandom(Path disk, Path model, long size, long seed) throws IOException {
        Random random = new Random(seed);
        try (FileChannel mounted = FileChannel.open(disk, StandardOpenOption.WRITE);
             FileChannel copy = FileChannel.open(model, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 200; i++) {
                int length = 1 + random.nextInt(i % 10 == 0 ? 1 << 20 : 70_000);
                long position = (long) (random.nextDouble() * (size - length));
                byte[] data = new byte[length];
                random.nextBytes(data);
                writeFully(mounted, ByteBuffer.wrap(data), position);
                writeFully(copy, ByteBuffer.wrap(data), position);
            }
            mounted.force(true);
        }
    }

    static void writeFully(FileChannel ch, ByteBuffer data, long position) throws IOException {
        while (data.hasRemaining()) {
            position += ch.write(data, position);
        }
    }

    static byte[] read(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position + buf.position());
            if (n < 0) {
                break;
            }
        }
        return buf.array();
    }

    static boolean allZero(byte[] bytes, int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
