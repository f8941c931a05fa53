package org.aiofs.aio.bench;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Completion latencies of one run, kept exactly in a preallocated array (no allocation
 * while measuring); beyond its capacity, samples are dropped, counts are not.
 */
final class LatencyRecorder {
    private final long[] samples;
    private final AtomicInteger count = new AtomicInteger();

    LatencyRecorder(int capacity) {
        this.samples = new long[capacity];
    }

    void record(long nanos) {
        int i = count.getAndIncrement();
        if (i < samples.length) {
            samples[i] = nanos;
        }
    }

    /** The given percentile (0..100) in microseconds, or 0 without samples. */
    double percentileMicros(double percentile, long[] sorted) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.min(sorted.length - 1, Math.ceil(percentile / 100.0 * sorted.length) - 1);
        return sorted[Math.max(index, 0)] / 1000.0;
    }

    long[] sorted() {
        long[] copy = Arrays.copyOf(samples, Math.min(count.get(), samples.length));
        Arrays.sort(copy);
        return copy;
    }
}
