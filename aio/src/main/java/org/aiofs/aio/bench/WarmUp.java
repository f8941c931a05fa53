package org.aiofs.aio.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * When a benchmark's measured window opens: after a minimum (a quarter of the run, at most
 * 1 s) and once the JIT has stopped compiling (its total compilation time unchanged for
 * {@link #QUIET_NANOS}), at most {@link #CAP_NANOS} after the start. On a busy machine
 * compiling the I/O path takes many times longer in wall time; a fixed warm-up would then
 * measure the compiler's CPU and the interpreter's speed.
 */
final class WarmUp {
    static final long QUIET_NANOS = 300_000_000L;
    static final long CAP_NANOS = 15_000_000_000L;

    private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    private final boolean watchJit = jit != null && jit.isCompilationTimeMonitoringSupported();
    private final long begin;
    private final long minimum;
    private long lastCompileMillis = -1;
    private long quietSince;

    WarmUp(long begin, double runSeconds) {
        this.begin = begin;
        this.minimum = (long) (Math.min(1.0, runSeconds / 4) * 1e9);
        this.quietSince = begin;
    }

    /** Whether the window may open at {@code now}; call it every few tens of milliseconds. */
    boolean over(long now) {
        if (watchJit) {
            long compiled = jit.getTotalCompilationTime();
            if (compiled != lastCompileMillis) {
                lastCompileMillis = compiled;
                quietSince = now;
            }
        }
        long elapsed = now - begin;
        return elapsed >= CAP_NANOS || elapsed >= minimum && (!watchJit || now - quietSince >= QUIET_NANOS);
    }
}
