package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import org.aiofs.testing.Qemu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * qcow2 served O_DIRECT: on a loop device (`--cache auto` picks O_DIRECT on io_uring for a
 * block device) and on an image file with `--cache none`. Unaligned writes and zeroing
 * through the mount, then QEMU judges: check clean, content equal to a raw model.
 */
@ExtendWith(NoMountLeftBehind.class)
class Qcow2DirectMountTest {
    private static final long DISK = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void qcow2OnALoopDeviceIsServedODirect() throws IOException {
        Path image = dir.resolve("vm.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", image.toString(), String.valueOf(DISK));
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(DISK + (16L << 20)); // the device must hold what gets allocated
        }
        Path model = TestImages.sparseRaw(dir, "model.raw", DISK);
        String loop = Commands.run("losetup", "--direct-io=on", "-f", "--show", image.toString()).assertSuccess()
                .stdout().trim();
        try {
            try (MountedImage m = MountedImage.mount(Path.of(loop), dir)) {
                JsonNode engine = PartitionMountTest.info(m).get("engine");
                assertEquals("none", engine.get("cache").asText(), engine.toString());
                assertEquals("io_uring", engine.get("name").asText(), engine.toString());
                writeAndZero(m, model, 21);
            }
        } finally {
            Commands.run("losetup", "-d", loop).assertSuccess();
        }
        Commands.run("qemu-img", "check", image.toString()).assertSuccess();
        Commands.run("qemu-img", "compare", "-f", "qcow2", "-F", "raw", image.toString(), model.toString())
                .assertSuccess();
    }

    @Test
    void qcow2FileWithCacheNone() throws IOException {
        Path base = TestImages.randomRaw(dir, "base.raw", DISK, 5);
        Path image = dir.resolve("top.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", "-b", base.toString(), "-F", "raw",
                image.toString());
        Path model = Qemu.toRaw(image, dir, "model.raw");
        try (MountedImage m = MountedImage.mount(image, dir, "--cache", "none")) {
            assertEquals("none", PartitionMountTest.info(m).at("/engine/cache").asText());
            writeAndZero(m, model, 22);
        }
        Commands.run("qemu-img", "check", image.toString()).assertSuccess();
        Commands.run("qemu-img", "compare", "-f", "qcow2", "-F", "raw", image.toString(), model.toString())
                .assertSuccess();
    }

    /** Random writes at any offset and length, a zeroed range, the same applied to the model. */
    private static void writeAndZero(MountedImage m, Path model, long seed) throws IOException {
        Random random = new Random(seed);
        try (FileChannel mounted = FileChannel.open(m.disk(), StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel copy = FileChannel.open(model, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 150; i++) {
                int length = 1 + random.nextInt(150_000);
                long position = (long) (random.nextDouble() * (DISK - length));
                byte[] data = new byte[length];
                random.nextBytes(data);
                RawMountTest.writeFully(mounted, ByteBuffer.wrap(data), position);
                RawMountTest.writeFully(copy, ByteBuffer.wrap(data), position);
            }
            Commands.run("fallocate", "--zero-range", "--offset", "1000", "--length", "300001",
                    m.disk().toString()).assertSuccess();
            RawMountTest.writeFully(copy, ByteBuffer.allocate(300001), 1000);
            mounted.force(true);
        }
    }
}
