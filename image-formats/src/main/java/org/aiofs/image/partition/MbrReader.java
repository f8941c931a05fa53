package org.aiofs.image.partition;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a DOS/MBR table the way Linux's block/partitions/msdos.c does: primaries 1-4 by
 * slot, then, for each extended primary, the chain of EBRs whose data slots become logical
 * partitions numbered from 5. Chains that loop, leave the disk or run on without data stop
 * with a warning.
 */
final class MbrReader {
    /** Linux exposes at most 255 partitions of one disk (DISK_MAX_PARTS is 256). */
    static final int MAX_PARTITION_NUMBER = 255;
    /** Links followed without finding a data partition before giving up, as Linux does. */
    private static final int MAX_EMPTY_LINKS = 100;

    private final DiskBytes disk;
    private final int sectorSize;
    private final List<String> warnings;
    private final List<ByteRange> structures = new ArrayList<>();

    MbrReader(DiskBytes disk, int sectorSize, List<String> warnings) {
        this.disk = disk;
        this.sectorSize = sectorSize;
        this.warnings = warnings;
    }

    /** Every partition the table names, unchecked against the disk's extent. */
    List<Partition> read(ByteBuffer mbr) throws IOException {
        List<Partition> found = new ArrayList<>();
        List<Partition> containers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            MbrSector.Slot slot = MbrSector.slot(mbr, i);
            if (slot.empty()) {
                continue;
            }
            Partition p = partition(i + 1, slot, slot.firstSector() * sectorSize);
            found.add(p);
            if (slot.extended()) {
                containers.add(p);
            }
        }
        int next = 5;
        for (Partition container : containers) {
            next = readLogicals(container, next, found);
        }
        return found;
    }

    /** Follows one extended partition's EBR chain; returns the next free logical number. */
    private int readLogicals(Partition container, int next, List<Partition> found) throws IOException {
        long first = container.start();
        long firstSize = container.size();
        long ebr = first;
        long ebrSize = firstSize;
        Set<Long> visited = new HashSet<>();
        int emptyLinks = 0;
        while (true) {
            if (!visited.add(ebr)) {
                warnings.add("extended partition " + container.number() + ": EBR chain loops back to byte " + ebr
                        + "; stopped there");
                return next;
            }
            if (++emptyLinks > MAX_EMPTY_LINKS) {
                warnings.add("extended partition " + container.number() + ": " + MAX_EMPTY_LINKS
                        + " EBR links without a partition; stopped there");
                return next;
            }
            ByteBuffer sector = disk.read(ebr, sectorSize);
            if (sector == null) {
                warnings.add("extended partition " + container.number() + ": EBR at byte " + ebr
                        + " lies past the end of the disk (" + disk.size() + " bytes); stopped there");
                return next;
            }
            structures.add(new ByteRange(ebr, sectorSize));
            if (!MbrSector.hasSignature(sector)) {
                if (ebr != first) { // an empty extended partition may hold no EBR at all
                    warnings.add("extended partition " + container.number() + ": EBR at byte " + ebr
                            + " has no 0x55AA signature; stopped there");
                }
                return next;
            }
            for (int i = 0; i < 4; i++) {
                MbrSector.Slot slot = MbrSector.slot(sector, i);
                if (slot.empty() || slot.extended()) {
                    continue;
                }
                long offs = slot.firstSector() * sectorSize;
                long size = slot.sectors() * sectorSize;
                // slots 3 and 4 often hold garbage: Linux takes them only when they fit the chain
                if (i >= 2 && (offs + size > ebrSize || ebr + offs < first || ebr + offs + size > first + firstSize)) {
                    continue;
                }
                if (next > MAX_PARTITION_NUMBER) {
                    warnings.add("extended partition " + container.number() + ": more than " + MAX_PARTITION_NUMBER
                            + " partitions; the rest left out");
                    return next;
                }
                found.add(partition(next++, slot, ebr + offs));
                emptyLinks = 0;
            }
            MbrSector.Slot link = null;
            for (int i = 0; i < 4 && link == null; i++) {
                MbrSector.Slot slot = MbrSector.slot(sector, i);
                if (!slot.empty() && slot.extended()) {
                    link = slot;
                }
            }
            if (link == null) {
                return next;
            }
            ebr = first + link.firstSector() * sectorSize;
            ebrSize = link.sectors() * sectorSize;
        }
    }

    /** The sectors read so far that hold the table: the MBR and every EBR visited. */
    List<ByteRange> structures() {
        List<ByteRange> all = new ArrayList<>();
        all.add(new ByteRange(0, 512));
        all.addAll(structures);
        return all;
    }

    private Partition partition(int number, MbrSector.Slot slot, long start) {
        return new Partition(number, String.format(Locale.ROOT, "%02x", slot.type()), start,
                slot.sectors() * sectorSize, null, null, slot.extended());
    }
}
