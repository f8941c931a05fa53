package org.aiofs.image.vhdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.UUID;

/** A GUID as Microsoft stores it: the first three groups little-endian, the last eight bytes as they are. */
final class MsGuid {
    private MsGuid() {
    }

    /** The 16 stored bytes of a GUID written as "2DC27766-F623-4200-9D64-115E9BFD4A08". */
    static byte[] of(String text) {
        UUID u = UUID.fromString(text);
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        long hi = u.getMostSignificantBits();
        b.putInt((int) (hi >>> 32)).putShort((short) (hi >>> 16)).putShort((short) hi);
        b.order(ByteOrder.BIG_ENDIAN).putLong(u.getLeastSignificantBits());
        return b.array();
    }

    /** The stored bytes as the text Windows writes: "{83ed0ec3-24c8-49a6-a959-5e4bf1288bfb}". */
    static String braced(byte[] stored) {
        ByteBuffer b = ByteBuffer.wrap(stored).order(ByteOrder.LITTLE_ENDIAN);
        long hi = (Integer.toUnsignedLong(b.getInt(0)) << 32) | ((long) (b.getShort(4) & 0xffff) << 16)
                | (b.getShort(6) & 0xffff);
        long lo = b.order(ByteOrder.BIG_ENDIAN).getLong(8);
        return "{" + new UUID(hi, lo) + "}";
    }

    static boolean isZero(byte[] guid) {
        return Arrays.equals(guid, new byte[16]);
    }
}
