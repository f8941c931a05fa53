package org.aiofs.image.vmdk.extent;

import java.util.Map;
import java.util.TreeMap;

/**
 * The byte ranges of a sparse extent file that hold metadata (the overhead before the first
 * grain, the directories, every grain table), merged: a write in place over a grain that a
 * damaged table places on them is refused instead of overwriting the tables that map the disk.
 */
final class MetadataRanges {
    /** Start -> end of disjoint, merged ranges. */
    private final TreeMap<Long, Long> ranges = new TreeMap<>();

    void add(long start, long length) {
        if (length <= 0) {
            return;
        }
        long end = start + length;
        Map.Entry<Long, Long> before = ranges.floorEntry(start);
        if (before != null && before.getValue() >= start) {
            start = before.getKey();
            end = Math.max(end, before.getValue());
        }
        Map.Entry<Long, Long> next = ranges.ceilingEntry(start);
        while (next != null && next.getKey() <= end) {
            end = Math.max(end, next.getValue());
            ranges.remove(next.getKey());
            next = ranges.ceilingEntry(start);
        }
        ranges.put(start, end);
    }

    /** Whether [start, start + length) touches any metadata. */
    boolean overlaps(long start, long length) {
        Map.Entry<Long, Long> before = ranges.floorEntry(start + length - 1);
        return length > 0 && before != null && before.getValue() > start;
    }
}
