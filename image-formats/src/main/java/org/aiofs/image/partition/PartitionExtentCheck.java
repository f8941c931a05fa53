package org.aiofs.image.partition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Keeps only partitions that can be exposed safely: inside the disk, not empty, not
 * overlapping one already kept (lower numbers win). An MBR extended container may overlap
 * the logical partitions it holds, and nothing else.
 */
final class PartitionExtentCheck {
    private PartitionExtentCheck() {
    }

    static List<Partition> keepSound(List<Partition> candidates, long diskSize, List<String> warnings) {
        List<Partition> sorted = new ArrayList<>(candidates);
        sorted.sort(Comparator.comparingInt(Partition::number));
        List<Partition> kept = new ArrayList<>();
        for (Partition p : sorted) {
            String problem = problem(p, kept, diskSize);
            if (problem == null) {
                kept.add(p);
            } else {
                warnings.add("partition " + p.number() + " (start " + p.start() + ", " + p.size() + " bytes) "
                        + problem + "; left out");
            }
        }
        return kept;
    }

    private static String problem(Partition p, List<Partition> kept, long diskSize) {
        if (p.size() <= 0) {
            return "has no length";
        }
        if (p.start() < 0 || p.start() >= diskSize || p.size() > diskSize - p.start()) {
            return "extends past the end of the disk (" + diskSize + " bytes)";
        }
        for (Partition other : kept) {
            boolean nested = (other.container() && !p.container() && p.number() >= 5)
                    || (p.container() && !other.container() && other.number() >= 5);
            if (!nested && p.start() < other.end() && other.start() < p.end()) {
                return "overlaps partition " + other.number();
            }
        }
        return null;
    }
}
