package org.aiofs.image.partition;

/** How a disk's partitions are described, as {@code sfdisk} labels them. */
public enum PartitionScheme {
    /** No partition table recognised: the disk is one filesystem, or blank. */
    NONE,
    /** A DOS/MBR table, with logical partitions inside extended ones. */
    MBR,
    /** A GUID partition table behind a protective MBR. */
    GPT
}
