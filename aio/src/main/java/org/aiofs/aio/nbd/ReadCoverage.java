package org.aiofs.aio.nbd;

import java.util.Map;
import java.util.TreeMap;

/**
 * The parts of a read that content chunks have filled so far. The protocol forbids chunks
 * that overlap or stray outside the request, and a successful reply must cover all of it:
 * anything else means bytes of unknown origin, so the caller treats it as a lie.
 */
final class ReadCoverage {
    private final long length;
    /** start -> end of the covered runs, relative to the request. */
    private final TreeMap<Long, Long> runs = new TreeMap<>();
    private long covered;

    ReadCoverage(long length) {
        this.length = length;
    }

    /** Records [start, start+count); false if it leaves the request or overlaps a chunk already seen. */
    boolean add(long start, long count) {
        if (start < 0 || count <= 0 || start > length - count) {
            return false;
        }
        long end = start + count;
        Map.Entry<Long, Long> before = runs.floorEntry(start);
        if (before != null && before.getValue() > start) {
            return false;
        }
        Map.Entry<Long, Long> after = runs.ceilingEntry(start);
        if (after != null && after.getKey() < end) {
            return false;
        }
        runs.put(start, end);
        covered += count;
        return true;
    }

    boolean complete() {
        return covered == length;
    }

    long covered() {
        return covered;
    }

    void clear() {
        runs.clear();
        covered = 0;
    }
}
