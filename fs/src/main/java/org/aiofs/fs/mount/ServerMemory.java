package org.aiofs.fs.mount;

import java.util.List;

import org.aiofs.aio.nbd.NbdClient;

/**
 * The memory bounds of the mount server's JVM. Left to itself the JVM takes a quarter of the
 * machine's memory as its heap ceiling and as much again for direct buffers, and the serial
 * collector lets garbage pile up towards them: 1.2 GiB resident after 20,000 random writes into
 * a 1 TiB qcow2 with a 32 MiB metadata cache. The heap holds the metadata cache (its budget)
 * and the server's own working set; an NBD export adds its write log (unflushed writes kept
 * for replay after a reconnect). Reaching a bound costs a collection, not a request.
 */
public final class ServerMemory {
    private static final long MIB = 1 << 20;
    /** Everything on the heap but the metadata cache: nodes, requests in flight, tables kept whole (L1, BAT). */
    static final long WORKING_SET = 96 * MIB;
    /** The write log's bound plus the writes in flight past it (64 requests of 1 MiB). */
    static final long NBD_WRITE_LOG = NbdClient.LOG_WAIT_BYTES + 64 * MIB;
    /** Data buffers outside the heap: copy-on-write clusters in flight (64 of up to 2 MiB), table writes. */
    static final long DIRECT = 256 * MIB;

    private ServerMemory() {
    }

    /** JVM options for a server with a metadata cache of {@code cacheBytes}; {@code remote}: an NBD export. */
    public static List<String> jvmOptions(long cacheBytes, boolean remote) {
        long heap = cacheBytes + WORKING_SET + (remote ? NBD_WRITE_LOG : 0);
        return List.of("-Xms16m", "-Xmx" + ceilMiB(heap) + "m", "-XX:MaxDirectMemorySize=" + ceilMiB(DIRECT) + "m");
    }

    private static long ceilMiB(long bytes) {
        return (bytes + MIB - 1) / MIB;
    }
}
