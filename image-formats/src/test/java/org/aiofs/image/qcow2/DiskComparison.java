package org.aiofs.image.qcow2;

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

/** Reads a whole disk through {@link BlockImage#read} in odd-sized chunks and compares it with a raw file. */
public final class DiskComparison {
    private DiskComparison() {
    }

    public static void assertSameAsRaw(BlockImage image, Path expected) throws IOException {
        assertEquals(Files.size(expected), image.size(), "virtual size of " + image.name());
        sequential(image, expected, 100_003, true);
        sequential(image, expected, 4093, false);
        randomReads(image, expected, 200);
    }

    private static void sequential(BlockImage image, Path expected, int chunk, boolean direct) throws IOException {
        try (RandomAccessFile raw = new RandomAccessFile(expected.toFile(), "r")) {
            long size = image.size();
            byte[] want = new byte[chunk];
            for (long pos = 0; pos < size; pos += chunk) {
                int n = (int) Math.min(chunk, size - pos);
                ByteBuffer got = garbage(direct ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n));
                Futures.await(image.read(pos, got));
                raw.seek(pos);
                raw.readFully(want, 0, n);
                compare(image, pos, want, got, n);
            }
        }
    }

    private static void randomReads(BlockImage image, Path expected, int count) throws IOException {
        Random random = new Random(42);
        try (RandomAccessFile raw = new RandomAccessFile(expected.toFile(), "r")) {
            long size = image.size();
            for (int i = 0; i < count && size > 0; i++) {
                long pos = (long) (random.nextDouble() * size);
                int n = (int) Math.min(1 + random.nextInt(300_000), size - pos);
                // a buffer with a non-zero position: drivers must honour position..limit
                ByteBuffer outer = garbage(ByteBuffer.allocate(n + 17));
                outer.position(7).limit(7 + n);
                Futures.await(image.read(pos, outer));
                byte[] want = new byte[n];
                raw.seek(pos);
                raw.readFully(want);
                compare(image, pos, want, outer.slice(), n);
            }
        }
    }

    /** Fresh buffers are already zero: fill them so a driver that skips zeroing is caught. */
    private static ByteBuffer garbage(ByteBuffer b) {
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) 0xa5);
        }
        return b;
    }

    private static void compare(BlockImage image, long pos, byte[] want, ByteBuffer got, int n) {
        for (int j = 0; j < n; j++) {
            if (got.get(got.position() + j) != want[j]) {
                fail(image.name() + ": byte at guest offset " + (pos + j) + " is " + got.get(got.position() + j)
                        + ", QEMU reads " + want[j]);
            }
        }
    }
}
