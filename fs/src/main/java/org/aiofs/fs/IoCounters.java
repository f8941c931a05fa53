package org.aiofs.fs;

import java.util.concurrent.atomic.LongAdder;

/** Live counters of the requests the mount has served (shown by info.json). */
public final class IoCounters {
    public final LongAdder reads = new LongAdder();
    public final LongAdder writes = new LongAdder();
    public final LongAdder bytesRead = new LongAdder();
    public final LongAdder bytesWritten = new LongAdder();
    public final LongAdder flushes = new LongAdder();
    public final LongAdder zeroings = new LongAdder();
    public final LongAdder errors = new LongAdder();
    public final LongAdder inFlight = new LongAdder();
}
