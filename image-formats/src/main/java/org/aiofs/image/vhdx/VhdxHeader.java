package org.aiofs.image.vhdx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.aiofs.image.ImageException;
import org.aiofs.image.qcow2.MetadataReader;

/**
 * One of the two VHDX headers (64 KiB and 128 KiB into the file, CRC-32C over their first
 * 4 KiB). The valid one with the higher sequence number is the current one, as in QEMU; two
 * valid headers with the same sequence number must be identical (Disk2VHD writes such pairs).
 */
record VhdxHeader(long sequence, byte[] dataWriteGuid, byte[] logGuid, int logVersion, int version, long logLength,
        long logOffset) {

    static final int SIZE = 4096;
    private static final int SIGNATURE = 0x64616568; // "head"
    private static final long[] OFFSETS = {64 << 10, 128 << 10};

    static VhdxHeader current(String image, MetadataReader meta) throws IOException {
        ByteBuffer[] raw = new ByteBuffer[2];
        VhdxHeader[] parsed = new VhdxHeader[2];
        for (int i = 0; i < 2; i++) {
            raw[i] = meta.read(OFFSETS[i], SIZE, "VHDX header " + (i + 1)).order(ByteOrder.LITTLE_ENDIAN);
            parsed[i] = parse(raw[i]);
        }
        if (parsed[0] == null && parsed[1] == null) {
            throw ImageException.corrupt(image, "no valid VHDX header (both copies fail their signature, version or"
                    + " CRC-32C checksum)");
        }
        if (parsed[0] == null || parsed[1] == null) {
            return parsed[0] == null ? parsed[1] : parsed[0];
        }
        int c = Long.compareUnsigned(parsed[0].sequence, parsed[1].sequence);
        if (c == 0 && !raw[0].slice(0, 80).equals(raw[1].slice(0, 80))) {
            throw ImageException.corrupt(image, "VHDX headers 1 and 2 differ but have the same sequence_number "
                    + Long.toUnsignedString(parsed[0].sequence));
        }
        return c >= 0 ? parsed[0] : parsed[1];
    }

    /** The header in {@code b}, or null if it is not a valid one. */
    private static VhdxHeader parse(ByteBuffer b) {
        if (b.getInt(0) != SIGNATURE || b.getShort(66) != 1 || !VhdxChecksum.valid(b, SIZE, 4)) {
            return null;
        }
        byte[] dataWrite = new byte[16];
        b.get(32, dataWrite);
        byte[] log = new byte[16];
        b.get(48, log);
        return new VhdxHeader(b.getLong(8), dataWrite, log, b.getShort(64) & 0xffff, b.getShort(66) & 0xffff,
                Integer.toUnsignedLong(b.getInt(68)), b.getLong(72));
    }
}
