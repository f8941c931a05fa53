package org.aiofs.image.partition;

import java.util.List;

/**
 * What a disk's partition table says, after every untrusted field was checked.
 *
 * @param scheme     MBR, GPT, or NONE when no table was recognised (then no partitions)
 * @param sectorSize the logical sector size the table was read with (512 or 4096)
 * @param partitions usable partitions in number order; broken ones are left out
 * @param warnings   one line for each thing found wrong (a partition left out, a damaged
 *                   primary GPT, ...); empty for a clean table
 */
public record PartitionTable(PartitionScheme scheme, int sectorSize, List<Partition> partitions,
                             List<String> warnings) {

    public PartitionTable {
        partitions = List.copyOf(partitions);
        warnings = List.copyOf(warnings);
    }

    public static PartitionTable none(List<String> warnings) {
        return new PartitionTable(PartitionScheme.NONE, 512, List.of(), warnings);
    }
}
