package org.aiofs.image.vpc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.aiofs.image.ImageException;

/**
 * The 512-byte VHD footer ("hard disk footer", big-endian): at the end of every VHD, and
 * copied to the start of dynamic and differencing ones. Checked for its cookie and checksum.
 */
record VhdFooter(int diskType, long dataOffset, String creatorApp, long currentSize, int cylinders, int heads,
        int sectorsPerTrack, byte[] uniqueId, int timestamp) {

    static final int SIZE = 512;
    static final int TYPE_FIXED = 2;
    static final int TYPE_DYNAMIC = 3;
    static final int TYPE_DIFFERENCING = 4;
    private static final byte[] COOKIE = "conectix".getBytes(StandardCharsets.US_ASCII);
    private static final int CHECKSUM_OFFSET = 64;

    /** Whether {@code b} (position onwards) starts with the footer cookie. */
    static boolean hasCookie(ByteBuffer b) {
        if (b.remaining() < COOKIE.length) {
            return false;
        }
        for (int i = 0; i < COOKIE.length; i++) {
            if (b.get(b.position() + i) != COOKIE[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses a footer whose cookie is present; {@code where} says which copy, for messages.
     */
    static VhdFooter parse(String image, String where, ByteBuffer b) throws ImageException {
        int p = b.position();
        int stored = b.getInt(p + CHECKSUM_OFFSET);
        int computed = VhdChecksum.of(b, SIZE, CHECKSUM_OFFSET);
        if (stored != computed) {
            throw ImageException.corrupt(image, "VHD footer " + where + ": checksum 0x" + Integer.toHexString(stored)
                    + " does not match its contents (0x" + Integer.toHexString(computed) + ")");
        }
        byte[] app = new byte[4];
        b.get(p + 28, app);
        byte[] uuid = new byte[16];
        b.get(p + 68, uuid);
        return new VhdFooter(b.getInt(p + 60), b.getLong(p + 16), new String(app, StandardCharsets.ISO_8859_1),
                b.getLong(p + 48), b.getShort(p + 56) & 0xffff, b.get(p + 58) & 0xff, b.get(p + 59) & 0xff, uuid,
                b.getInt(p + 24));
    }

    long chsSectors() {
        return (long) cylinders * heads * sectorsPerTrack;
    }

    String typeName() {
        return switch (diskType) {
            case TYPE_FIXED -> "fixed";
            case TYPE_DYNAMIC -> "dynamic";
            case TYPE_DIFFERENCING -> "differencing";
            default -> "type " + Integer.toUnsignedString(diskType);
        };
    }
}
