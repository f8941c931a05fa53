package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.aiofs.aio.Futures;
import org.aiofs.aio.engine.ThreadPoolEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.aiofs.image.open.ImageOpener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write that fails half-way through planning (its copy-on-write read of the backing file
 * fails on its second cluster) leaves nothing behind: the first cluster it had planned is
 * not linked to a cluster whose data was never written.
 */
class Qcow2WriteRollbackTest {
    private static final int CLUSTER = 65536;

    @TempDir
    Path dir;

    @Test
    void failedPlanningIsTakenBack() throws Exception {
        byte[] base = new byte[4 << 20];
        new Random(1).nextBytes(base);
        Path backing = dir.resolve("base.raw");
        Files.write(backing, base);
        Qemu.img(dir, "create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", "top.qcow2", "4M");
        try (FaultyEngine engine = new FaultyEngine(new ThreadPoolEngine(2));
                BlockImage img = new ImageOpener(engine).open(dir.resolve("top.qcow2"), "qcow2", false)) {
            engine.arm(FaultyEngine.readsOf(backing), FaultyEngine.Fault.EIO, 0, true);
            // cluster 1 whole (no copy needed), then half of cluster 2 (its other half is copied from base)
            ByteBuffer data = ByteBuffer.allocateDirect(CLUSTER + CLUSTER / 2);
            assertThrows(IOException.class, () -> Futures.await(img.write(CLUSTER, data)));
            engine.disarm();
            Futures.await(img.flush());
        }
        Tool.ok(dir, "qemu-img", "check", "top.qcow2");
        byte[] after = Files.readAllBytes(Qemu.toRaw(dir.resolve("top.qcow2")));
        assertArrayEquals(Arrays.copyOfRange(base, CLUSTER, 3 * CLUSTER), Arrays.copyOfRange(after, CLUSTER, 3 * CLUSTER),
                "a failed write left a cluster linked to data never written");
    }
}
