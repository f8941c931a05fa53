package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes through the mounted disk.raw of qcow2 images of each kind, side by side with a raw
 * model: after unmount, qemu-img check finds no error and no leak, and qemu-img compare finds
 * the image equal to the model.
 */
@ExtendWith(NoMountLeftBehind.class)
class Qcow2WriteMountTest {
    private static final long SIZE = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void freshImageMadeByAiofsCreate() throws IOException {
        Path image = dir.resolve("fresh.qcow2");
        Commands.aiofs("create", "-f", "qcow2", "-o", "cluster_size=4096", image.toString(), "64M").assertSuccess();
        Path model = TestImages.sparseRaw(dir, "model.raw", SIZE);
        writeSideBySide(image, model, 1);
    }

    @Test
    void overlayOnABackingImage() throws IOException {
        Path base = TestImages.randomRaw(dir, "base.raw", SIZE, 2);
        Path image = dir.resolve("overlay.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-b", "base.raw", "-F", "raw", "-o", "extended_l2=on",
                image.toString(), "64M");
        Path model = dir.resolve("model.raw");
        Files.copy(base, model);
        writeSideBySide(image, model, 2);
        assertEquals(-1L, Files.mismatch(base, TestImages.randomRaw(dir, "base-again.raw", SIZE, 2)),
                "the backing image must never be written");
    }

    @Test
    void compressedImageWithASnapshot() throws IOException {
        Path source = TestImages.randomRaw(dir, "source.raw", SIZE, 3);
        Path image = dir.resolve("compressed.qcow2");
        Qemu.img("convert", "-c", "-O", "qcow2", source.toString(), image.toString());
        Qemu.img("snapshot", "-c", "golden", image.toString());
        Path model = dir.resolve("model.raw");
        Files.copy(source, model);
        writeSideBySide(image, model, 3);
        Path golden = Qemu.snapshotToRaw(image, "golden", dir, "golden.raw");
        assertEquals(-1L, Files.mismatch(source, golden), "the snapshot changed");
    }

    @Test
    void filesystemOnAQcow2Partition() throws IOException {
        Path image = dir.resolve("fs.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "64M");
        try (MountedImage m = MountedImage.mount(image, dir)) { // qcow2 is probed; writing is safe to probe
            SfdiskLayout.write(m.disk(), "label: gpt\nsize=40M, type=L\n");
            Commands.run("mkfs.ext4", "-q", "-F", m.file("part1.raw").toString()).assertSuccess();
            Commands.run("debugfs", "-w", "-R", "write /etc/os-release os-release", m.file("part1.raw").toString())
                    .assertSuccess();
            Commands.run("e2fsck", "-fn", m.file("part1.raw").toString()).assertSuccess();
        }
        Commands.run("qemu-img", "check", image.toString()).assertSuccess();
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            Tool.Result cat = Commands.run("debugfs", "-R", "cat os-release", m.file("part1.raw").toString())
                    .assertSuccess();
            assertEquals(Files.readString(Path.of("/etc/os-release")), cat.stdout());
        }
    }

    /** Random writes (unaligned, cluster-crossing, large), zero ranges and punched holes on both. */
    private void writeSideBySide(Path image, Path model, long seed) throws IOException {
        Random random = new Random(seed);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "qcow2");
             FileChannel mounted = FileChannel.open(m.disk(), StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel raw = FileChannel.open(model, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 200; i++) {
                int kind = random.nextInt(10);
                int length = 1 + random.nextInt(kind == 0 ? 3 << 20 : 200_000);
                long position = (long) (random.nextDouble() * (SIZE - length));
                if (kind == 1 || kind == 2) {
                    String mode = kind == 1 ? "--punch-hole" : "--zero-range";
                    Commands.run("fallocate", mode, "--offset", String.valueOf(position), "--length",
                            String.valueOf(length), m.disk().toString()).assertSuccess();
                    RawMountTest.writeFully(raw, ByteBuffer.allocate(length), position);
                } else {
                    byte[] data = new byte[length];
                    random.nextBytes(data);
                    RawMountTest.writeFully(mounted, ByteBuffer.wrap(data), position);
                    RawMountTest.writeFully(raw, ByteBuffer.wrap(data), position);
                }
                if (i % 50 == 49) {
                    mounted.force(true);
                }
            }
        }
        Commands.run("qemu-img", "check", image.toString()).assertSuccess();
        Commands.run("qemu-img", "compare", "-f", "qcow2", "-F", "raw", image.toString(), model.toString())
                .assertSuccess();
    }
}
