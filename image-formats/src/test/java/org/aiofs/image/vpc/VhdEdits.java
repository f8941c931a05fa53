package org.aiofs.image.vpc;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Hand edits of VHD structures (big-endian), checksums recomputed unless a test wants them wrong. */
final class VhdEdits {
    static final int FOOTER_CHECKSUM = 64;
    static final int HEADER_CHECKSUM = 36;

    private VhdEdits() {
    }

    /** Edits the 512-byte footer at {@code offset} and fixes its checksum. */
    static void footer(Path image, long offset, Consumer<ByteBuffer> edit) throws IOException {
        structure(image, offset, VhdFooter.SIZE, FOOTER_CHECKSUM, edit);
    }

    /** Edits both footers of a dynamic VHD (the copy at the start and the one at the end). */
    static void bothFooters(Path image, Consumer<ByteBuffer> edit) throws IOException {
        footer(image, 0, edit);
        footer(image, length(image) - VhdFooter.SIZE, edit);
    }

    /** Edits the dynamic disk header (at the footer's data_offset) and fixes its checksum. */
    static void dynamicHeader(Path image, Consumer<ByteBuffer> edit) throws IOException {
        structure(image, dataOffset(image), VhdDynamicHeader.SIZE, HEADER_CHECKSUM, edit);
    }

    static long dataOffset(Path image) throws IOException {
        return read(image, 0, VhdFooter.SIZE).getLong(16);
    }

    static ByteBuffer read(Path image, long offset, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(offset);
            f.readFully(b);
            return ByteBuffer.wrap(b);
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

    private static void structure(Path image, long offset, int size, int checksumOffset, Consumer<ByteBuffer> edit)
            throws IOException {
        ByteBuffer b = read(image, offset, size);
        edit.accept(b);
        b.putInt(checksumOffset, VhdChecksum.of(b.position(0), size, checksumOffset));
        write(image, offset, b);
    }
}
