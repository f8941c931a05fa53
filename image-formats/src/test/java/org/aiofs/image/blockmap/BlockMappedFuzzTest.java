package org.aiofs.image.blockmap;

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
import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.open.ImageOpener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random damage to the metadata of VHD, VHDX and VDI images made by qemu-img: every outcome is
 * a clean open and read, or an IOException with a one-line message; never a runtime exception,
 * an error (out of memory included) or a hang.
 */
class BlockMappedFuzzTest extends EngineTestBase {
    private static final int ROUNDS = 150;

    @TempDir
    Path dir;

    @Test
    void randomlyDamagedMetadataNeverCrashes() throws Exception {
        Random random = new Random(20261129);
        for (FormatSeeds.Seed seed : FormatSeeds.all(dir)) {
            Path victim = dir.resolve("victim");
            for (int round = 0; round < ROUNDS; round++) {
                Files.copy(seed.image(), victim, StandardCopyOption.REPLACE_EXISTING);
                try (RandomAccessFile f = new RandomAccessFile(victim.toFile(), "rw")) {
                    for (int k = 0; k < 1 + random.nextInt(4); k++) {
                        long[] range = seed.metadata().get(random.nextInt(seed.metadata().size()));
                        f.seek(range[0] + random.nextInt((int) (range[1] - range[0])));
                        f.write(switch (random.nextInt(4)) {
                            case 0 -> 0xff;
                            case 1 -> 0;
                            default -> random.nextInt(256);
                        });
                    }
                }
                assertTimeoutPreemptively(Duration.ofSeconds(20), () -> openAndReadAll(victim, seed.format()));
            }
        }
    }

    private static void openAndReadAll(Path image, String format) {
        try (BlockImage img = new ImageOpener(engine).open(image, format, true)) {
            ByteBuffer buf = ByteBuffer.allocate(65536 + 3);
            for (long pos = 0; pos < Math.min(img.size(), 8L << 20); pos += buf.capacity()) {
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
