package org.aiofs.image.partition;

import java.nio.ByteBuffer;

/** The four partition slots of an MBR or EBR sector (offset 446, 16 bytes each). */
final class MbrSector {
    static final int SLOTS_OFFSET = 0x1be;
    static final int TYPE_GPT_PROTECTIVE = 0xee;

    /** One slot: boot indicator, type byte, first sector (relative), sector count. */
    record Slot(int bootIndicator, int type, long firstSector, long sectors) {
        boolean empty() {
            return sectors == 0;
        }

        boolean extended() {
            // DOS_EXTENDED, WIN98_EXTENDED (LBA), LINUX_EXTENDED, as Linux's msdos.c knows them
            return type == 0x05 || type == 0x0f || type == 0x85;
        }
    }

    private MbrSector() {
    }

    static boolean hasSignature(ByteBuffer sector) {
        return sector.limit() >= 512 && (sector.get(510) & 0xff) == 0x55 && (sector.get(511) & 0xff) == 0xaa;
    }

    static Slot slot(ByteBuffer sector, int index) {
        int at = SLOTS_OFFSET + 16 * index;
        return new Slot(sector.get(at) & 0xff, sector.get(at + 4) & 0xff,
                Integer.toUnsignedLong(sector.getInt(at + 8)), Integer.toUnsignedLong(sector.getInt(at + 12)));
    }

    /** Boot indicators other than 0 and 0x80 mean a boot sector (FAT, ...) rather than a table. */
    static boolean bootIndicatorsValid(ByteBuffer sector) {
        for (int i = 0; i < 4; i++) {
            int boot = slot(sector, i).bootIndicator();
            if (boot != 0 && boot != 0x80) {
                return false;
            }
        }
        return true;
    }

    static boolean hasProtectiveGptSlot(ByteBuffer sector) {
        for (int i = 0; i < 4; i++) {
            if (slot(sector, i).type() == TYPE_GPT_PROTECTIVE) {
                return true;
            }
        }
        return false;
    }
}
