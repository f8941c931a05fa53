package org.aiofs.aio.bench;

/**
 * One cell of the benchmark: an engine running a workload in a cache mode. When the
 * combination cannot run, {@code supported} is false and {@code reason} says why (the probe's words).
 * {@code warmUpSeconds}: how long the run went before its measured window opened.
 */
public record BenchResult(String engine, String workload, String cache, boolean supported, String reason,
                          long ios, double seconds, double iops, double mibS, double latP50Us, double latP99Us,
                          double cpuUsPerIo, double warmUpSeconds) {
    public static BenchResult unsupported(String engine, String workload, String cache, String reason) {
        return new BenchResult(engine, workload, cache, false, reason, 0, 0, 0, 0, 0, 0, 0, 0);
    }
}
