package org.aiofs.image.vhdx;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** Hand edits of VHDX structures (little-endian), with their CRC-32C recomputed where they have one. */
final class VhdxEdits {
    static final long MIB = 1 << 20;

    private VhdxEdits() {
    }

    static ByteBuffer read(Path image, long offset, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(offset);
            f.readFully(b);
            return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    static void write(Path image, long offset, ByteBuffer b) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(offset);
            f.write(b.array(), 0, b.capacity());
        }
    }

    static long length(Path image) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            return f.length();
        }
    }

    static void setLength(Path image, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(length);
        }
    }

    /** The file offset of the region with this GUID, from the first region table. */
    static long region(Path image, String guid) throws IOException {
        ByteBuffer t = read(image, 192 << 10, 64 << 10);
        byte[] want = MsGuid.of(guid);
        for (int i = 0; i < t.getInt(8); i++) {
            byte[] g = new byte[16];
            t.get(16 + i * 32, g);
            if (java.util.Arrays.equals(g, want)) {
                return t.getLong(16 + i * 32 + 16);
            }
        }
        throw new IllegalStateException("no region " + guid);
    }

    static long batOffset(Path image) throws IOException {
        return region(image, "2DC27766-F623-4200-9D64-115E9BFD4A08");
    }

    static long metadataOffset(Path image) throws IOException {
        return region(image, "8B7CA206-4790-4B9A-B8FE-575F050F886E");
    }

    static long bat(Path image, int index) throws IOException {
        return read(image, batOffset(image) + 8L * index, 8).getLong(0);
    }

    static void putBat(Path image, int index, long entry) throws IOException {
        write(image, batOffset(image) + 8L * index, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(0, entry));
    }

    /** Edits a 4 KiB header (1 or 2) and fixes its checksum. */
    static void header(Path image, int which, java.util.function.Consumer<ByteBuffer> edit) throws IOException {
        long at = which * (64L << 10);
        ByteBuffer h = read(image, at, 4096);
        edit.accept(h);
        h.putInt(4, VhdxChecksum.compute(h, 4096, 4));
        write(image, at, h);
    }

    /** The data-write GUID of the current header (the valid one with the higher sequence number). */
    static byte[] dataWriteGuid(Path image) throws IOException {
        ByteBuffer h1 = read(image, 64 << 10, 4096);
        ByteBuffer h2 = read(image, 128 << 10, 4096);
        ByteBuffer h = Long.compareUnsigned(h1.getLong(8), h2.getLong(8)) >= 0 ? h1 : h2;
        byte[] g = new byte[16];
        h.get(32, g);
        return g;
    }

    /**
     * Writes one log entry at the start of the log: a data descriptor that puts {@code sector}
     * (4 KiB) at {@code fileOffset}, sequence 1, under {@code logGuid}; and sets that GUID in both
     * headers, which makes the log active.
     */
    static void logEntry(Path image, byte[] logGuid, long fileOffset, byte[] sector) throws IOException {
        long logOffset = read(image, 64 << 10, 4096).getLong(72);
        long fileSize = length(image);
        ByteBuffer e = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer data = ByteBuffer.wrap(sector).order(ByteOrder.LITTLE_ENDIAN);
        e.putInt(0, 0x65676f6c).putInt(8, 8192).putInt(12, 0).putLong(16, 1).putInt(24, 1);
        e.put(32, logGuid).putLong(48, fileSize).putLong(56, fileSize);
        e.putInt(64, 0x63736564).putInt(68, data.getInt(4092)).putLong(72, data.getLong(0))
                .putLong(80, fileOffset).putLong(88, 1);
        e.putInt(4096, 0x61746164).putInt(4100, 0);
        e.put(4104, sector, 8, 4084);
        e.putInt(8188, 1);
        e.putInt(4, VhdxChecksum.compute(e, 8192, 4));
        write(image, logOffset, e);
        for (int which = 1; which <= 2; which++) {
            header(image, which, h -> h.put(48, logGuid));
        }
    }
}
