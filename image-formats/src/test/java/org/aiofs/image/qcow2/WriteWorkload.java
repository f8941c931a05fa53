package org.aiofs.image.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;

import org.aiofs.aio.Futures;
import org.aiofs.image.BlockImage;

/**
 * A random mix of writes (aligned, unaligned, cluster-crossing, several MiB large), zero
 * writes with and without unmap, and discards, applied to two images side by side: the
 * qcow2 image under test and a raw model of what the guest must read afterwards.
 */
public final class WriteWorkload {
    private final Random random;
    private final int clusterSize;

    public WriteWorkload(long seed, int clusterSize) {
        this.random = new Random(seed);
        this.clusterSize = clusterSize;
    }

    public void run(BlockImage image, BlockImage model, int operations) throws IOException {
        run(image, model, operations, 0, image.size());
    }

    /** Only inside [base, base + size): several workloads can share an image in disjoint regions. */
    public void run(BlockImage image, BlockImage model, int operations, long base, long size) throws IOException {
        for (int i = 0; i < operations; i++) {
            int kind = random.nextInt(100);
            long offset;
            long length;
            switch (random.nextInt(4)) {
                case 0 -> { // aligned to clusters
                    offset = (long) (random.nextDouble() * (size / clusterSize)) * clusterSize;
                    length = (1 + random.nextInt(4)) * (long) clusterSize;
                }
                case 1 -> { // 4 KiB aligned
                    offset = (long) (random.nextDouble() * (size / 4096)) * 4096;
                    length = 4096L * (1 + random.nextInt(8));
                }
                case 2 -> { // large
                    offset = (long) (random.nextDouble() * size);
                    length = 1 + random.nextInt(3 << 20);
                }
                default -> { // odd, often crossing a cluster boundary
                    long boundary = (long) (random.nextDouble() * (size / clusterSize)) * clusterSize;
                    offset = Math.max(0, boundary - random.nextInt(Math.max(1, clusterSize)));
                    length = 1 + random.nextInt(2 * clusterSize + 1000);
                }
            }
            offset = Math.min(offset, size - 1);
            length = Math.min(length, size - offset);
            offset += base;
            if (kind < 70) {
                ByteBuffer data = pattern(length, random.nextLong());
                Futures.await(image.write(offset, data.duplicate()));
                Futures.await(model.write(offset, data.duplicate()));
            } else if (kind < 80) {
                Futures.await(image.writeZeroes(offset, length, false));
                Futures.await(model.writeZeroes(offset, length, false));
            } else if (kind < 90) {
                Futures.await(image.writeZeroes(offset, length, true));
                Futures.await(model.writeZeroes(offset, length, true));
            } else {
                Futures.await(image.discard(offset, length));
                Futures.await(model.writeZeroes(offset, length, true));
            }
            if (random.nextInt(20) == 0) {
                Futures.await(image.flush());
            }
        }
    }

    /** Bytes that differ from position to position and from write to write (some runs compressible). */
    public static ByteBuffer pattern(long length, long seed) {
        ByteBuffer b = ByteBuffer.allocateDirect((int) length);
        Random r = new Random(seed);
        byte fill = (byte) r.nextInt();
        boolean noisy = r.nextBoolean();
        for (int i = 0; i < length; i++) {
            b.put(i, noisy ? (byte) r.nextInt() : (byte) (fill + i / 512));
        }
        return b;
    }
}
