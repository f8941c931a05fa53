package org.aiofs.image.vhdx;

import org.aiofs.aio.nativeio.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import org.aiofs.image.ImageException;
import org.aiofs.image.qcow2.MetadataReader;

/**
 * The VHDX region table (192 KiB into the file, a copy at 256 KiB; 64 KiB each, CRC-32C): where
 * the BAT and the metadata region are. QEMU reads only the first copy; aiofs falls back to the
 * second when the first is damaged. An unknown region marked required is refused, as the
 * specification demands.
 */
record VhdxRegionTable(long batOffset, long batLength, long metadataOffset, long metadataLength) {
    static final int SIZE = 64 << 10;
    private static final int SIGNATURE = 0x69676572; // "regi"
    private static final int MAX_ENTRIES = 2047;
    private static final byte[] BAT = MsGuid.of("2DC27766-F623-4200-9D64-115E9BFD4A08");
    private static final byte[] METADATA = MsGuid.of("8B7CA206-4790-4B9A-B8FE-575F050F886E");

    static VhdxRegionTable read(String image, MetadataReader meta) throws IOException {
        ByteBuffer first = meta.read(192 << 10, SIZE, "VHDX region table").order(ByteOrder.LITTLE_ENDIAN);
        String damage = damage(first);
        if (damage == null) {
            return parse(image, first);
        }
        ByteBuffer second = meta.read(256 << 10, SIZE, "VHDX region table copy").order(ByteOrder.LITTLE_ENDIAN);
        if (damage(second) != null) {
            throw ImageException.corrupt(image, "VHDX region table: " + damage + " (and so has its copy)");
        }
        return parse(image, second);
    }

    private static String damage(ByteBuffer b) {
        if (b.getInt(0) != SIGNATURE) {
            return "no \"regi\" signature";
        }
        if (!VhdxChecksum.valid(b, SIZE, 4)) {
            return "CRC-32C checksum does not match";
        }
        return null;
    }

    private static VhdxRegionTable parse(String image, ByteBuffer b) throws ImageException {
        long count = Integer.toUnsignedLong(b.getInt(8));
        if (count > MAX_ENTRIES) {
            throw ImageException.corrupt(image, "VHDX region table: entry_count " + count + " exceeds " + MAX_ENTRIES);
        }
        long[] bat = null;
        long[] metadata = null;
        for (int i = 0; i < count; i++) {
            int at = 16 + i * 32;
            byte[] guid = new byte[16];
            b.get(at, guid);
            long[] region = {b.getLong(at + 16), Integer.toUnsignedLong(b.getInt(at + 24))};
            boolean required = (b.getInt(at + 28) & 1) != 0;
            if (Arrays.equals(guid, BAT)) {
                bat = unique(image, bat, region, "BAT");
            } else if (Arrays.equals(guid, METADATA)) {
                metadata = unique(image, metadata, region, "metadata");
            } else if (required) {
                throw new ImageException(image + ": VHDX region table: entry " + i + " is a required region of an"
                        + " unknown kind " + MsGuid.braced(guid), Errno.ENOTSUP);
            }
        }
        if (bat == null || metadata == null) {
            throw ImageException.corrupt(image, "VHDX region table has no " + (bat == null ? "BAT" : "metadata")
                    + " region");
        }
        return new VhdxRegionTable(bat[0], bat[1], metadata[0], metadata[1]);
    }

    private static long[] unique(String image, long[] seen, long[] region, String what) throws ImageException {
        if (seen != null) {
            throw ImageException.corrupt(image, "VHDX region table names the " + what + " region twice");
        }
        if (region[0] % (1 << 20) != 0 || region[1] == 0 || region[1] % (1 << 20) != 0) {
            throw ImageException.corrupt(image, "VHDX region table: the " + what + " region at 0x"
                    + Long.toHexString(region[0]) + " (" + region[1] + " bytes) is not in whole MiB");
        }
        return region;
    }
}
