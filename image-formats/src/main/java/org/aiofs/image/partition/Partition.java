package org.aiofs.image.partition;

/**
 * One partition as Linux would expose it.
 *
 * @param number    N of {@code partN}, as Linux numbers it: MBR primaries 1-4 by slot, logical
 *                  partitions from 5 in chain order; GPT entries by their index + 1
 * @param type      MBR: the type byte as two lowercase hex digits ("83", "0c", "05");
 *                  GPT: the type GUID, uppercase ("0FC63DAF-8483-4772-8E79-3D69D8477DE4")
 * @param start     first byte on the disk
 * @param size      length in bytes, never 0
 * @param name      GPT partition name (may be empty); null for MBR
 * @param guid      GPT unique partition GUID, uppercase; null for MBR
 * @param container true for an MBR extended partition: it only holds the logical
 *                  partitions' chain, its extent overlaps them (Linux shows it as a 1 KiB
 *                  device), so it is usually not worth exposing as a file
 */
public record Partition(int number, String type, long start, long size, String name, String guid,
                        boolean container) {

    /** One past the last byte. */
    public long end() {
        return start + size;
    }
}
