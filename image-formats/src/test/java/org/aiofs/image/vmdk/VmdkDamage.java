package org.aiofs.image.vmdk;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** Hand edits of VMDK files (little-endian fields at known offsets), for malformed-image tests. */
final class VmdkDamage {
    /** Header field offsets of a VMDK4 sparse file. */
    static final int VERSION = 4;
    static final int FLAGS = 8;
    static final int CAPACITY = 12;
    static final int GRAIN_SIZE = 20;
    static final int GT_ENTRIES = 44;
    static final int RGD_OFFSET = 48;
    static final int GD_OFFSET = 56;
    static final int OVERHEAD = 64;
    static final int NEWLINES = 73;
    static final int COMPRESS_ALGORITHM = 77;

    private VmdkDamage() {
    }

    static void putLong(Path file, long at, long value) throws IOException {
        put(file, at, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }

    static void putInt(Path file, long at, int value) throws IOException {
        put(file, at, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
    }

    static void putShort(Path file, long at, int value) throws IOException {
        put(file, at, ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) value).array());
    }

    static void put(Path file, long at, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            f.write(bytes);
        }
    }

    static long getLong(Path file, long at) throws IOException {
        return ByteBuffer.wrap(get(file, at, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    static long getInt(Path file, long at) throws IOException {
        return ByteBuffer.wrap(get(file, at, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
    }

    static byte[] get(Path file, long at, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(at);
            f.readFully(b);
            return b;
        }
    }

    /** Byte offset of the first grain directory entry of a VMDK4 sparse file. */
    static long firstGdEntry(Path file) throws IOException {
        return getLong(file, GD_OFFSET) * 512;
    }

    /** Byte offset of the grain table entry for guest grain {@code grain} (in the first table). */
    static long gtEntry(Path file, int grain) throws IOException {
        return getInt(file, firstGdEntry(file)) * 512 + 4L * grain;
    }
}
