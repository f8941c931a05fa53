package org.aiofs.image.qcow2;

import java.nio.ByteBuffer;

/**
 * Refcount entries of 2^order bits inside a refcount block, as QEMU lays them out:
 * widths below a byte are packed from the least significant bit of each byte up,
 * widths of 8..64 bits are big-endian integers. 64-bit values are unsigned.
 */
public final class RefcountEntries {
    private RefcountEntries() {
    }

    public static long get(ByteBuffer block, int index, int order) {
        return switch (order) {
            case 0, 1, 2 -> {
                int bits = 1 << order;
                int perByte = 8 / bits;
                int shift = (index % perByte) * bits;
                yield ((block.get(index / perByte) & 0xff) >>> shift) & ((1 << bits) - 1);
            }
            case 3 -> block.get(index) & 0xffL;
            case 4 -> block.getShort(index * 2) & 0xffffL;
            case 5 -> block.getInt(index * 4) & 0xffff_ffffL;
            case 6 -> block.getLong(index * 8);
            default -> throw new IllegalArgumentException("refcount order " + order);
        };
    }

    public static void set(ByteBuffer block, int index, int order, long value) {
        if (Long.compareUnsigned(value, max(order)) > 0) {
            throw new IllegalArgumentException("refcount " + value + " does not fit in " + (1 << order) + " bits");
        }
        switch (order) {
            case 0, 1, 2 -> {
                int bits = 1 << order;
                int perByte = 8 / bits;
                int shift = (index % perByte) * bits;
                int at = index / perByte;
                int mask = ((1 << bits) - 1) << shift;
                int b = block.get(at) & 0xff;
                block.put(at, (byte) ((b & ~mask) | ((int) value << shift)));
            }
            case 3 -> block.put(index, (byte) value);
            case 4 -> block.putShort(index * 2, (short) value);
            case 5 -> block.putInt(index * 4, (int) value);
            case 6 -> block.putLong(index * 8, value);
            default -> throw new IllegalArgumentException("refcount order " + order);
        }
    }

    /** The largest refcount an entry of this width holds (unsigned for 64 bits). */
    public static long max(int order) {
        return order == 6 ? -1L : (1L << (1 << order)) - 1;
    }
}
