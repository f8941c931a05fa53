package org.aiofs.image.qcow2;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/** Hand edits of qcow2 images (big-endian fields at known offsets), for malformed-image tests. */
final class ImageDamage {
    private ImageDamage() {
    }

    static void putLong(Path image, long offset, long value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(offset);
            f.writeLong(value);
        }
    }

    static void putInt(Path image, long offset, int value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(offset);
            f.writeInt(value);
        }
    }

    static void putByte(Path image, long offset, int value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(offset);
            f.writeByte(value);
        }
    }

    static long getLong(Path image, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            f.seek(offset);
            return f.readLong();
        }
    }

    static int getInt(Path image, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            f.seek(offset);
            return f.readInt();
        }
    }

    /** Changes the type of the header extension {@code from} (v3 images: extensions follow header_length). */
    static void renameExtension(Path image, int from, int to) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(4);
            int version = f.readInt();
            long pos;
            if (version == 2) {
                pos = 72;
            } else {
                f.seek(100);
                pos = f.readInt();
            }
            while (true) {
                f.seek(pos);
                int type = f.readInt();
                int len = f.readInt();
                if (type == 0) {
                    throw new IllegalStateException("no extension 0x" + Integer.toHexString(from) + " in " + image);
                }
                if (type == from) {
                    f.seek(pos);
                    f.writeInt(to);
                    return;
                }
                pos += 8 + ((len + 7) & ~7);
            }
        }
    }
}
