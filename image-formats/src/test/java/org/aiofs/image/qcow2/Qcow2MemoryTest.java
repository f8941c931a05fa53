package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.aiofs.aio.Futures;
import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.cache.MetadataCache;
import org.aiofs.testing.ManySnapshots;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metadata stays within the mount's one budget, however many snapshots are read. */
class Qcow2MemoryTest extends EngineTestBase {
    @TempDir
    Path dir;

    /**
     * 3,000 snapshots at 2 MiB clusters, all open, 4 bytes read from each, in a JVM with a
     * 96 MiB heap: with a table cache per snapshot that is 3,000 L2 tables of 2 MiB (6 GB).
     */
    @Test
    void threeThousandSnapshotsFitInASmallHeap() {
        Path image = ManySnapshots.make(dir, "s.qcow2", "cluster_size=2M", "64M", "write -P 0x5c 0 4M", 3000);
        String java = ProcessHandle.current().info().command().orElse("java");
        Tool.Result r = Tool.run(dir, Duration.ofMinutes(5), Map.of(), null, List.of(java, "-Xmx96m",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), SnapshotReads.class.getName(),
                image.toString(), String.valueOf(MetadataCache.DEFAULT_BYTES), "5c")).assertSuccess();
        assertTrue(r.stdout().contains("read 3000 snapshots"), r.describe());
    }

    /** Snapshots with tables of their own: read one after the other, the cache evicts and stays in budget. */
    @Test
    void distinctTablesAreEvictedWithinTheBudget() throws Exception {
        Qemu.img(dir, "create", "-q", "-f", "qcow2", "d.qcow2", "8M");
        for (int i = 0; i < 12; i++) {
            Qemu.io(dir.resolve("d.qcow2"), "qcow2", "write -P " + (0x10 + i) + " 0 64k");
            Qemu.img(dir, "snapshot", "-c", "s" + i, "d.qcow2");
        }
        long budget = 4 * 65536; // four tables
        MetadataCache cache = new MetadataCache(budget);
        try (BlockImage img = new ImageOpener(engine).withMetadataCache(cache).open(dir.resolve("d.qcow2"), null, true)) {
            Qcow2Image q = (Qcow2Image) img;
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 12; i++) {
                    ByteBuffer b = ByteBuffer.allocate(4);
                    Futures.await(q.openSnapshot("s" + i).read(100, b));
                    assertEquals(0x10 + i, b.get(0), "snapshot s" + i);
                }
            }
        }
        assertTrue(cache.peakBytes() <= budget, "peak " + cache.peakBytes() + " > budget " + budget);
        assertTrue(cache.evictions() >= 12, "tables were evicted to stay in budget: " + cache.evictions());
    }
}
