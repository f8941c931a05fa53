package org.aiofs.image.partition;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.aiofs.image.BlockImage;

/**
 * Finds a disk's partitions as Linux would: GPT when the MBR holds a protective (0xEE)
 * entry, else the DOS/MBR table. Every field is untrusted: a partition past the disk,
 * empty or overlapping another, a looping or runaway EBR chain, an absurd GPT entry array
 * become warnings and missing partitions, never exceptions. Only host I/O errors throw.
 */
public final class PartitionTableReader {
    private PartitionTableReader() {
    }

    /** Reads the table, taking MBR sectors to be 512 bytes (GPT finds its own sector size). */
    public static PartitionTable read(BlockImage disk) throws IOException {
        return read(disk, 512);
    }

    /**
     * @param mbrSectorSize the logical sector size an MBR table counts in: 512, or 4096 for a
     *                      disk with 4K logical sectors
     */
    public static PartitionTable read(BlockImage disk, int mbrSectorSize) throws IOException {
        if (mbrSectorSize != 512 && mbrSectorSize != 4096) {
            throw new IllegalArgumentException("MBR sector size must be 512 or 4096, not " + mbrSectorSize);
        }
        DiskBytes bytes = new DiskBytes(disk);
        List<String> warnings = new ArrayList<>();
        ByteBuffer mbr = bytes.read(0, 512);
        if (mbr == null || !MbrSector.hasSignature(mbr)) {
            return PartitionTable.none(warnings);
        }
        if (MbrSector.hasProtectiveGptSlot(mbr)) {
            PartitionTable gpt = new GptReader(bytes, warnings).read();
            // Linux's msdos parser also steps aside for a protective MBR: no partitions then
            return gpt != null ? gpt : PartitionTable.none(warnings);
        }
        if (!MbrSector.bootIndicatorsValid(mbr)) {
            return PartitionTable.none(warnings); // a boot sector (FAT, ...), not a partition table
        }
        MbrReader reader = new MbrReader(bytes, mbrSectorSize, warnings);
        List<Partition> found = reader.read(mbr);
        List<Partition> kept = PartitionExtentCheck.keepSound(found, disk.size(), warnings);
        return new PartitionTable(PartitionScheme.MBR, mbrSectorSize, kept, warnings, reader.structures());
    }
}
