package org.aiofs.image.blockmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.aiofs.aio.Futures;
import org.aiofs.image.BlockImage;

/**
 * Compares a disk too big to read whole with QEMU's (sparse) raw conversion: windows around
 * the places a test wrote, plus random reads anywhere.
 */
public final class SparseComparison {
    private static final int WINDOW = 4 << 20;

    private SparseComparison() {
    }

    public static void assertSameAsRaw(BlockImage image, Path expected, long... windowStarts) throws IOException {
        assertEquals(Files.size(expected), image.size(), "virtual size of " + image.name());
        try (RandomAccessFile raw = new RandomAccessFile(expected.toFile(), "r")) {
            compare(image, raw, 0, WINDOW);
            compare(image, raw, image.size() - WINDOW, WINDOW);
            for (long start : windowStarts) {
                compare(image, raw, start, WINDOW);
            }
            Random random = new Random(3);
            for (int i = 0; i < 64; i++) {
                compare(image, raw, (long) (random.nextDouble() * image.size()), 1 + random.nextInt(200_000));
            }
        }
    }

    private static void compare(BlockImage image, RandomAccessFile raw, long start, int length) throws IOException {
        long from = Math.max(0, Math.min(start, image.size()));
        int n = (int) Math.min(length, image.size() - from);
        ByteBuffer got = ByteBuffer.allocate(n);
        Futures.await(image.read(from, got));
        byte[] want = new byte[n];
        raw.seek(from);
        raw.readFully(want);
        for (int i = 0; i < n; i++) {
            if (got.get(i) != want[i]) {
                fail(image.name() + ": byte at guest offset " + (from + i) + " is " + got.get(i) + ", QEMU reads "
                        + want[i]);
            }
        }
    }
}
