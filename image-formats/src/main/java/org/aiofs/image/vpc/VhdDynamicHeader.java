package org.aiofs.image.vpc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.aiofs.image.ImageException;
import org.aiofs.image.blockmap.ParentNames;

/**
 * The 1024-byte dynamic disk header ("cxsparse", big-endian) of dynamic and differencing VHDs:
 * where the block allocation table is, how big blocks are, and for a differencing disk which
 * parent it was made on (its unique id, its name, up to eight platform-specific locators).
 */
record VhdDynamicHeader(long tableOffset, int maxTableEntries, int blockSize, byte[] parentUniqueId,
        String parentName, List<Locator> locators) {

    static final int SIZE = 1024;
    private static final byte[] COOKIE = "cxsparse".getBytes(StandardCharsets.US_ASCII);
    private static final int CHECKSUM_OFFSET = 36;
    private static final int LOCATORS_OFFSET = 576;
    private static final int LOCATOR_COUNT = 8;

    /** One parent locator entry: where a platform-specific parent name lies in the file. */
    record Locator(int platformCode, int dataLength, long dataOffset) {
    }

    static VhdDynamicHeader parse(String image, ByteBuffer b) throws ImageException {
        for (int i = 0; i < COOKIE.length; i++) {
            if (b.get(i) != COOKIE[i]) {
                throw ImageException.corrupt(image, "VHD dynamic disk header: no \"cxsparse\" cookie");
            }
        }
        int stored = b.getInt(CHECKSUM_OFFSET);
        int computed = VhdChecksum.of(b.duplicate().position(0), SIZE, CHECKSUM_OFFSET);
        if (stored != computed) {
            throw ImageException.corrupt(image, "VHD dynamic disk header: checksum 0x" + Integer.toHexString(stored)
                    + " does not match its contents (0x" + Integer.toHexString(computed) + ")");
        }
        byte[] parentId = new byte[16];
        b.get(40, parentId);
        byte[] name = new byte[512];
        b.get(64, name);
        List<Locator> locators = new ArrayList<>();
        for (int i = 0; i < LOCATOR_COUNT; i++) {
            int at = LOCATORS_OFFSET + i * 24;
            int code = b.getInt(at);
            if (code != 0) {
                locators.add(new Locator(code, b.getInt(at + 8), b.getLong(at + 16)));
            }
        }
        return new VhdDynamicHeader(b.getLong(16), b.getInt(28), b.getInt(32), parentId,
                ParentNames.utf16(name, false), List.copyOf(locators));
    }
}
