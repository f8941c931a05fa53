package org.aiofs.image.vpc;

import java.nio.ByteBuffer;

/** The VHD checksum: the one's complement of the byte sum, the checksum field counted as zero. */
final class VhdChecksum {
    private VhdChecksum() {
    }

    static int of(ByteBuffer b, int length, int checksumOffset) {
        int sum = 0;
        for (int i = 0; i < length; i++) {
            if (i < checksumOffset || i >= checksumOffset + 4) {
                sum += b.get(b.position() + i) & 0xff;
            }
        }
        return ~sum;
    }
}
