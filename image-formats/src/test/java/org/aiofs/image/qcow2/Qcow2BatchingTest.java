package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.aiofs.aio.Futures;
import org.aiofs.aio.engine.ThreadPoolEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.testing.Qemu;
import org.aiofs.image.open.ImageOpener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A read over many clusters reaches the engine as one batch, contiguous host runs merged. */
class Qcow2BatchingTest {
    @TempDir
    Path dir;

    @Test
    void contiguousClustersBecomeOneRequest() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=4096", "seq.qcow2", "4M");
        Qemu.io(dir.resolve("seq.qcow2"), "qcow2", "write -P 1 0 1M");
        try (CountingEngine engine = new CountingEngine(new ThreadPoolEngine(2));
                BlockImage img = new ImageOpener(engine).open(dir.resolve("seq.qcow2"), null, true)) {
            Futures.await(img.read(0, ByteBuffer.allocateDirect(4096))); // loads the L2 table
            engine.reset();
            ByteBuffer big = ByteBuffer.allocateDirect(1 << 20);
            Futures.await(img.read(0, big));
            assertEquals(0, engine.singles.get(), "no one-at-a-time requests");
            assertEquals(1, engine.batches.get());
            assertEquals(1, engine.batchedRequests.get(), "256 contiguous clusters merged into one read");
            assertEquals(1, big.get(12345));
        }
    }

    @Test
    void fragmentedClustersStillOneBatch() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=4096", "frag.qcow2", "4M");
        // allocate every other cluster first, then the gaps: guest order != host order
        String[] cmds = new String[64];
        for (int i = 0; i < 32; i++) {
            cmds[i] = "write -P " + (i + 1) + " " + (2 * i * 4096) + " 4096";
            cmds[32 + i] = "write -P " + (i + 101) + " " + ((2 * i + 1) * 4096) + " 4096";
        }
        Qemu.io(dir.resolve("frag.qcow2"), "qcow2", cmds);
        try (CountingEngine engine = new CountingEngine(new ThreadPoolEngine(2));
                BlockImage img = new ImageOpener(engine).open(dir.resolve("frag.qcow2"), null, true)) {
            Futures.await(img.read(0, ByteBuffer.allocateDirect(512)));
            engine.reset();
            ByteBuffer buf = ByteBuffer.allocate(64 * 4096);
            Futures.await(img.read(0, buf));
            assertEquals(0, engine.singles.get());
            assertEquals(1, engine.batches.get());
            assertEquals(64, engine.batchedRequests.get(), "64 clusters, none adjacent on the host");
            assertEquals(1, buf.get(0));
            assertEquals(101, buf.get(4096));
        }
    }
}
