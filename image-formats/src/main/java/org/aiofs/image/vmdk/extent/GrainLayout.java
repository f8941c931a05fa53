package org.aiofs.image.vmdk.extent;

import org.aiofs.image.ImageException;

/**
 * The geometry of a sparse extent, from whichever header it came (VMDK4 "KDMV" or VMDK3
 * "COWD"): grains of {@code grainSectors}, grain tables of {@code gtEntries} 32-bit entries,
 * and a grain directory of {@code gdEntries} entries pointing at the tables. All offsets in the
 * tables count 512-byte sectors of the extent's file.
 *
 * @param capacity  the extent's size in sectors
 * @param gdOffset  byte offset of the grain directory
 * @param rgdOffset byte offset of the redundant grain directory, or 0 when there is none
 * @param zeroGrain a grain table entry of 1 means a zeroed grain
 * @param markers   compressed grains start with a marker (sector number, compressed size)
 * @param overhead  bytes at the start of the file that hold metadata only (header, descriptor,
 *                  directories, the tables made with the file); grains come after
 * @param writeRefusal why the extent is never written, or null when it can be
 */
public record GrainLayout(long capacity, long grainSectors, int gtEntries, long gdOffset, int gdEntries,
        long rgdOffset, boolean zeroGrain, boolean compressed, boolean markers, long overhead, String writeRefusal) {
    /** QEMU's limit on a grain (0x200000 sectors, 1 GiB). */
    public static final long MAX_GRAIN_SECTORS = 0x200000;
    /** A compressed grain is inflated in memory: larger ones are refused (VMware writes 64 KiB). */
    public static final long MAX_COMPRESSED_GRAIN_SECTORS = 4096;
    /** 32 MiB of grain directory: 2 TiB (VMDK's limit for a sparse extent) even with 512-byte grains. */
    public static final long MAX_GD_ENTRIES = 8L << 20;

    /** Sectors one grain table covers. */
    public long gtCoverage() {
        return gtEntries * grainSectors;
    }

    public long grainBytes() {
        return grainSectors << 9;
    }

    /** Grain directory entries needed to cover {@code capacity} sectors of {@code grainSectors} with tables of {@code gtEntries}. */
    static long gdEntriesFor(long capacity, long grainSectors, int gtEntries) {
        long coverage = gtEntries * grainSectors;
        return capacity / coverage + (capacity % coverage == 0 ? 0 : 1);
    }

    /** A table at byte {@code offset} of {@code length} bytes must lie wholly inside the file. */
    static void checkInside(String image, String what, long offset, long length, long fileSize)
            throws ImageException {
        if (offset < 0 || offset > fileSize || length > fileSize - offset) {
            throw ImageException.corrupt(image, what + " at 0x" + Long.toHexString(offset) + " (" + length
                    + " bytes) lies beyond the end of the file (" + fileSize + " bytes)");
        }
    }
}
