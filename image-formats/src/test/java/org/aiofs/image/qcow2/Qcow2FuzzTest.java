package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Random;

import org.aiofs.aio.Futures;
import org.aiofs.aio.engine.ThreadPoolEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.testing.Qemu;
import org.aiofs.image.open.ImageOpener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random damage to the metadata of real images: every outcome must be a clean open and
 * read, or an IOException with a one-line message; never a runtime exception, an error or a hang.
 */
class Qcow2FuzzTest {
    @TempDir
    Path dir;

    @Test
    void randomlyDamagedMetadataNeverCrashes() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=4096", "base.qcow2", "1M");
        Qemu.io(dir.resolve("base.qcow2"), "qcow2", "write -P 1 0 300k");
        byte[] text = new byte[512 * 1024];
        for (int i = 0; i < text.length; i++) {
            text[i] = (byte) ('a' + i % 17);
        }
        Files.write(dir.resolve("src.raw"), text);
        Qemu.img(dir, "convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=4096", "src.raw",
                "comp.qcow2");
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=16384,extended_l2=on", "-b", "base.qcow2", "-F",
                "qcow2", "ext.qcow2", "1M");
        Qemu.io(dir.resolve("ext.qcow2"), "qcow2", "write -P 2 1024 5000", "write -z 40000 2048");
        Qemu.img(dir, "snapshot", "-c", "s", "ext.qcow2");
        Random random = new Random(20261126);
        try (ThreadPoolEngine engine = new ThreadPoolEngine(2)) {
            for (String original : new String[] {"comp.qcow2", "ext.qcow2"}) {
                long metadataEnd = Math.min(Files.size(dir.resolve(original)), 16 * 4096);
                for (int round = 0; round < 150; round++) {
                    Path victim = dir.resolve("v-" + original);
                    Files.copy(dir.resolve(original), victim, StandardCopyOption.REPLACE_EXISTING);
                    try (RandomAccessFile f = new RandomAccessFile(victim.toFile(), "rw")) {
                        for (int k = 0; k < 1 + random.nextInt(4); k++) {
                            long at = random.nextInt((int) metadataEnd);
                            f.seek(at);
                            f.write(random.nextBoolean() ? random.nextInt(256) : 0xff);
                        }
                    }
                    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> openAndReadAll(engine, victim));
                }
            }
        }
    }

    private static void openAndReadAll(ThreadPoolEngine engine, Path image) {
        try (BlockImage img = new ImageOpener(engine).open(image, null, true)) {
            ByteBuffer buf = ByteBuffer.allocate(65536 + 3);
            for (long pos = 0; pos < Math.min(img.size(), 4L << 20); pos += buf.capacity()) {
                buf.clear().limit((int) Math.min(buf.capacity(), img.size() - pos));
                try {
                    Futures.await(img.read(pos, buf));
                } catch (IOException e) {
                    assertFalse(e.getMessage().contains("\n"), e.getMessage());
                }
            }
            img.blockStatus(0, img.size());
        } catch (IOException e) {
            assertFalse(e.getMessage() == null || e.getMessage().contains("\n"), String.valueOf(e.getMessage()));
        }
    }
}
