package org.aiofs.image.vhdx;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** The CRC-32C that guards VHDX headers, region tables and log entries: its own field counts as zero. */
final class VhdxChecksum {
    private VhdxChecksum() {
    }

    /** Whether the little-endian checksum at {@code checksumOffset} matches bytes 0..length of {@code b}. */
    static boolean valid(ByteBuffer b, int length, int checksumOffset) {
        return b.getInt(checksumOffset) == compute(b, length, checksumOffset);
    }

    static int compute(ByteBuffer b, int length, int checksumOffset) {
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().limit(checksumOffset).position(0));
        crc.update(new byte[4]);
        crc.update(b.duplicate().limit(length).position(checksumOffset + 4));
        return (int) crc.getValue();
    }
}
