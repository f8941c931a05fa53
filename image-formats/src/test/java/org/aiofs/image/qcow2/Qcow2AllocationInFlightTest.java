package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.aiofs.aio.engine.ThreadPoolEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.testing.Qemu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An allocating write whose data write is held in flight stops nobody but the requests
 * that touch its cluster: a read of another allocated cluster and an allocating write of
 * a neighbouring cluster (same L2 table, same refcount block) complete meanwhile; a read
 * and a write of its own cluster wait for it, then see it. (Before, the writer held its
 * exclusive lock across the data write, and all of them waited.)
 */
class Qcow2AllocationInFlightTest {
    private static final int CLUSTER = 65536;
    private static final long TIMEOUT_SECONDS = 30;

    @TempDir
    Path dir;

    /** A writer that blocks the caller on the held write would hang here: the timeout fails it instead. */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void onlyTheClusterBeingAllocatedWaits() throws Exception {
        Qemu.img(dir, "create", "-f", "raw", "base.raw", "4M");
        Qemu.io(dir.resolve("base.raw"), "raw", "write -P 0x5a 0 4M");
        Qemu.img(dir, "create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", "t.qcow2", "4M");
        Qemu.io(dir.resolve("t.qcow2"), "qcow2", "write -P 0x11 " + 8 * CLUSTER + " " + CLUSTER);
        long a = 2L * CLUSTER;
        long b = 8L * CLUSTER;
        long c = 3L * CLUSTER;
        try (GatedEngine engine = new GatedEngine(new ThreadPoolEngine(4));
                BlockImage img = new ImageOpener(engine).open(dir.resolve("t.qcow2"), "qcow2", false)) {
            ByteBuffer held = GatedEngine.marked(CLUSTER, (byte) 0x77);
            CompletableFuture<Void> allocation = img.write(a, held.duplicate());
            engine.awaitHeld();

            ByteBuffer other = ByteBuffer.allocateDirect(4096);
            img.read(b + 4096, other).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertEquals(filled(4096, (byte) 0x11), other, "a read of another cluster went on");
            img.write(c + 100, filled(1000, (byte) 0x33)).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);

            ByteBuffer mine = ByteBuffer.allocateDirect(CLUSTER);
            CompletableFuture<Void> readMine = img.read(a, mine);
            CompletableFuture<Void> writeMine = img.write(a + 4096, filled(512, (byte) 0x44));
            assertFalse(allocation.isDone(), "the held write is still in flight");
            engine.open();
            allocation.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            readMine.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            writeMine.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            // the small write waited too, and may have landed before the read: its 512 bytes are either
            assertEquals(held.slice(0, 4096), mine.slice(0, 4096), "the read waited for the allocation");
            assertEquals(held.slice(4608, CLUSTER - 4608), mine.slice(4608, CLUSTER - 4608),
                    "the read waited for the allocation");
        }
        Qemu.img(dir, "check", "t.qcow2");
        Qemu.io(dir.resolve("t.qcow2"), "qcow2", "read -P 0x77 " + (a + 8) + " 4088", "read -P 0x44 " + (a + 4096) + " 512",
                "read -P 0x77 " + (a + 4608) + " " + (CLUSTER - 4608), "read -P 0x5a " + c + " 100",
                "read -P 0x33 " + (c + 100) + " 1000", "read -P 0x5a " + (c + 1100) + " " + (CLUSTER - 1100));
    }

    private static ByteBuffer filled(int size, byte value) {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            b.put(i, value);
        }
        return b;
    }
}
