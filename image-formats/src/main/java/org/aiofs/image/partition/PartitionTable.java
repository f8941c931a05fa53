package org.aiofs.image.partition;

import java.util.List;
import java.util.Optional;

/**
 * What a disk's partition table says, after every untrusted field was checked.
 *
 * @param scheme     MBR, GPT, or NONE when no table was recognised (then no partitions)
 * @param sectorSize the logical sector size the table was read with (512 or 4096)
 * @param partitions usable partitions in number order; broken ones are left out
 * @param warnings   one line for each thing found wrong (a partition left out, a damaged
 *                   primary GPT, ...); empty for a clean table
 * @param structures where the table itself lives (MBR, EBRs, GPT headers and entry arrays,
 *                   or for NONE the first 8 KiB where a new table would go): a write there
 *                   may change the partitions, so the table should be read again
 */
public record PartitionTable(PartitionScheme scheme, int sectorSize, List<Partition> partitions,
                             List<String> warnings, List<ByteRange> structures) {

    /** Where MBR and both GPT header positions (512 and 4096-byte sectors) lie. */
    static final ByteRange NEW_TABLE_AREA = new ByteRange(0, 8192);

    public PartitionTable {
        partitions = List.copyOf(partitions);
        warnings = List.copyOf(warnings);
        structures = List.copyOf(structures);
    }

    static PartitionTable none(List<String> warnings) {
        return new PartitionTable(PartitionScheme.NONE, 512, List.of(), warnings, List.of(NEW_TABLE_AREA));
    }

    /** Partition N, as Linux numbers it. */
    public Optional<Partition> partition(int number) {
        return partitions.stream().filter(p -> p.number() == number).findFirst();
    }

    /** Whether a write to [offset, offset + length) touches the table's own sectors. */
    public boolean touchesTable(long offset, long length) {
        return structures.stream().anyMatch(r -> r.overlaps(offset, length));
    }
}
