package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.aio.Futures;
import org.aiofs.aio.engine.ThreadPoolEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.testing.Qemu;
import org.aiofs.image.open.ImageOpener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small reads inside one compressed cluster inflate it once, and still read what QEMU reads. */
class DecompressedClusterCacheTest {
    @TempDir
    Path dir;

    @Test
    void secondSmallReadOfACompressedClusterNeedsNoHostIo() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "plain.qcow2", "4M");
        Qemu.io(dir.resolve("plain.qcow2"), "qcow2", "write -P 0x3c 0 256k", "write -P 0x5a 100000 30000");
        Qemu.img(dir, "convert", "-c", "-O", "qcow2", "plain.qcow2", "c.qcow2");
        Qemu.img(dir, "convert", "-O", "raw", "c.qcow2", "expected.raw");
        byte[] expected = Files.readAllBytes(dir.resolve("expected.raw"));
        try (CountingEngine engine = new CountingEngine(new ThreadPoolEngine(2));
                BlockImage img = new ImageOpener(engine).open(dir.resolve("c.qcow2"), null, true)) {
            ByteBuffer first = ByteBuffer.allocate(4096);
            Futures.await(img.read(65536 + 4096, first)); // loads the L2 table, inflates cluster 1
            engine.reset();
            for (int block = 0; block < 16; block++) {
                ByteBuffer b = ByteBuffer.allocate(4096);
                long offset = 65536 + block * 4096L;
                Futures.await(img.read(offset, b));
                assertEquals(ByteBuffer.wrap(expected, (int) offset, 4096), b.flip().limit(4096).rewind(),
                        "block " + block);
            }
            assertEquals(0, engine.singles.get() + engine.batchedRequests.get(),
                    "16 small reads of an inflated cluster touched the host");
        }
    }
}
