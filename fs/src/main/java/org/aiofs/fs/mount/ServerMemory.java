package org.aiofs.fs.mount;

import java.util.ArrayList;
import java.util.List;

import org.aiofs.aio.nbd.NbdClient;

/**
 * The memory bounds of the mount server's JVM. Left to itself the JVM takes a quarter of the
 * machine's memory as its heap ceiling and as much again for direct buffers, and the serial
 * collector lets garbage pile up towards them: 1.2 GiB resident after 20,000 random writes into
 * a 1 TiB qcow2 with a 32 MiB metadata cache. The heap holds the metadata cache (its budget)
 * and the server's own working set; an NBD export adds its write log (unflushed writes kept
 * for replay after a reconnect). Reaching a bound costs a collection, not a request.
 *
 * <p>Two more options cut what the server holds by a third (measured: 50,000 random writes into
 * a 1 TiB qcow2, where nearly every write reads an L2 table and evicts another: 214 MiB
 * resident afterwards without them, 142 with them, at the same write rate). The young
 * generation is capped ({@link #YOUNG}): left to itself it grows to a third of the heap, all of
 * it touched between collections. And glibc is asked to hand back the memory the JIT compiler
 * and the native calls freed ({@link #TRIM_INTERVAL_MS}), tens of MiB it otherwise keeps in
 * its arenas for good.
 *
 * <p>And the heap gives back what it does not need ({@link #MIN_HEAP_FREE_PERCENT},
 * {@link #MAX_HEAP_FREE_PERCENT}): left to itself the serial collector keeps up to 70% of its
 * old generation free, which with a full metadata cache is some 25 MiB held for nothing (the same
 * 50,000 writes: 150-160 MiB resident afterwards with the JVM's ratios, 127-131 MiB with these,
 * at the same write rate; the collections that cost are the full ones while the cache fills,
 * about 10 ms each, 19 instead of 6 in the first two seconds, none afterwards).
 */
public final class ServerMemory {
    private static final long MIB = 1 << 20;
    /** Everything on the heap but the metadata cache: nodes, requests in flight, tables kept whole (L1, BAT). */
    static final long WORKING_SET = 96 * MIB;
    /** The write log's bound plus the writes in flight past it (64 requests of 1 MiB). */
    static final long NBD_WRITE_LOG = NbdClient.LOG_WAIT_BYTES + 64 * MIB;
    /** Data buffers outside the heap: copy-on-write clusters in flight (64 of up to 2 MiB), table writes. */
    static final long DIRECT = 256 * MIB;
    /** The young generation's cap: requests' short-lived objects die there at any rate seen. */
    static final long YOUNG = 8 * MIB;
    /** After a collection the heap grows to keep this much of itself free... */
    static final int MIN_HEAP_FREE_PERCENT = 10;
    /** ...and shrinks to keep no more than this free. */
    static final int MAX_HEAP_FREE_PERCENT = 30;
    /** How often the JVM trims glibc's heap (-XX:TrimNativeHeapInterval, JDK 17.0.9 and 21.0.1 on). */
    static final int TRIM_INTERVAL_MS = 1000;

    private ServerMemory() {
    }

    /** JVM options for a server with a metadata cache of {@code cacheBytes}; {@code remote}: an NBD export. */
    public static List<String> jvmOptions(long cacheBytes, boolean remote) {
        return jvmOptions(cacheBytes, remote, Runtime.version());
    }

    static List<String> jvmOptions(long cacheBytes, boolean remote, Runtime.Version java) {
        long heap = cacheBytes + WORKING_SET + (remote ? NBD_WRITE_LOG : 0);
        List<String> options = new ArrayList<>(List.of("-Xms16m", "-Xmx" + ceilMiB(heap) + "m",
                "-XX:MaxNewSize=" + ceilMiB(YOUNG) + "m", "-XX:MaxDirectMemorySize=" + ceilMiB(DIRECT) + "m",
                "-XX:MinHeapFreeRatio=" + MIN_HEAP_FREE_PERCENT, "-XX:MaxHeapFreeRatio=" + MAX_HEAP_FREE_PERCENT));
        if (trimsNativeHeap(java)) {
            options.add("-XX:TrimNativeHeapInterval=" + TRIM_INTERVAL_MS);
        }
        return options;
    }

    /** Whether this JVM knows -XX:TrimNativeHeapInterval (an unknown -XX option stops a JVM). */
    static boolean trimsNativeHeap(Runtime.Version java) {
        return switch (java.feature()) {
            case 17 -> java.update() >= 9;
            case 18, 19, 20 -> false;
            case 21 -> java.update() >= 1;
            default -> java.feature() > 21;
        };
    }

    private static long ceilMiB(long bytes) {
        return (bytes + MIB - 1) / MIB;
    }
}
