package org.aiofs.image.partition;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * A GPT header (UEFI spec 5.3.2), parsed and checked field by field: signature, header size,
 * header CRC32, its own LBA, the usable range, the entry array's size and place.
 */
record GptHeader(long myLba, long alternateLba, long firstUsableLba, long lastUsableLba,
                 long entriesLba, int entryCount, int entrySize, int entriesCrc) {

    static final byte[] SIGNATURE = "EFI PART".getBytes(StandardCharsets.US_ASCII);
    private static final int MIN_HEADER_SIZE = 92;
    /** Entry arrays larger than this are refused (the usual one is 16 KiB). */
    static final long MAX_ENTRIES_BYTES = 4L << 20;
    /** The spec allows 128 * 2^n; anything above this is not a real table. */
    static final int MAX_ENTRY_SIZE = 4096;

    /** A header that failed a check, with the reason in words. */
    static final class Invalid extends Exception {
        Invalid(String reason) {
            super(reason, null, false, false);
        }
    }

    static boolean hasSignature(ByteBuffer sector) {
        if (sector == null || sector.limit() < SIGNATURE.length) {
            return false;
        }
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (sector.get(i) != SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param sector    the sector at {@code lba}, little-endian
     * @param lba       where the header was read from
     * @param diskLbas  the disk's size in sectors
     */
    static GptHeader parse(ByteBuffer sector, long lba, long diskLbas) throws Invalid {
        if (!hasSignature(sector)) {
            throw new Invalid("no \"EFI PART\" signature");
        }
        long headerSize = Integer.toUnsignedLong(sector.getInt(12));
        if (headerSize < MIN_HEADER_SIZE || headerSize > sector.limit()) {
            throw new Invalid("header size " + headerSize + " is not in [" + MIN_HEADER_SIZE + ", "
                    + sector.limit() + "]");
        }
        int storedCrc = sector.getInt(16);
        CRC32 crc = new CRC32();
        ByteBuffer header = ByteBuffer.allocate((int) headerSize);
        header.put(sector.duplicate().position(0).limit((int) headerSize));
        header.putInt(16, 0);
        crc.update(header.array());
        if ((int) crc.getValue() != storedCrc) {
            throw new Invalid(String.format("header CRC32 is 0x%08x, computed 0x%08x", storedCrc, (int) crc.getValue()));
        }
        long myLba = sector.getLong(24);
        if (myLba != lba) {
            throw new Invalid("header says it is at LBA " + myLba + " but was read from LBA " + lba);
        }
        long lastLba = diskLbas - 1;
        long firstUsable = sector.getLong(40);
        long lastUsable = sector.getLong(48);
        if (Long.compareUnsigned(firstUsable, lastLba) > 0 || Long.compareUnsigned(lastUsable, lastLba) > 0
                || Long.compareUnsigned(lastUsable, firstUsable) < 0) {
            throw new Invalid("usable LBAs " + Long.toUnsignedString(firstUsable) + ".."
                    + Long.toUnsignedString(lastUsable) + " do not fit a disk of " + diskLbas + " sectors");
        }
        long entryCount = Integer.toUnsignedLong(sector.getInt(80));
        long entrySize = Integer.toUnsignedLong(sector.getInt(84));
        if (entrySize < 128 || entrySize > MAX_ENTRY_SIZE || Long.bitCount(entrySize) != 1) {
            throw new Invalid("partition entry size " + entrySize + " is not 128 * 2^n (up to " + MAX_ENTRY_SIZE + ")");
        }
        if (entryCount * entrySize > MAX_ENTRIES_BYTES) {
            throw new Invalid(entryCount + " partition entries of " + entrySize + " bytes exceed the "
                    + MAX_ENTRIES_BYTES + "-byte limit");
        }
        long entriesLba = sector.getLong(72);
        long entriesSectors = (entryCount * entrySize + sector.limit() - 1) / sector.limit();
        if (Long.compareUnsigned(entriesLba, diskLbas) >= 0 || entriesSectors > diskLbas - entriesLba) {
            throw new Invalid("partition entries at LBA " + Long.toUnsignedString(entriesLba) + " (" + entriesSectors
                    + " sectors) lie past the end of the disk (" + diskLbas + " sectors)");
        }
        if (entriesLba == 0 || (lba >= entriesLba && lba - entriesLba < entriesSectors)) {
            throw new Invalid("partition entries at LBA " + entriesLba + " overlap the MBR or the header");
        }
        return new GptHeader(myLba, sector.getLong(32), firstUsable, lastUsable, entriesLba, (int) entryCount,
                (int) entrySize, sector.getInt(88));
    }

    long entriesBytes() {
        return (long) entryCount * entrySize;
    }
}
