package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.aio.HostFile;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.ImageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataReaderTest extends EngineTestBase {
    @TempDir
    Path dir;

    private MetadataReader reader(byte[] content) throws Exception {
        Path f = Files.write(dir.resolve("meta"), content);
        return new MetadataReader(HostFile.open(f, true, false), engine, "meta");
    }

    private static byte[] counting(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 7 + i / 256);
        }
        return b;
    }

    /** Under random writes every cache miss loads a table: each must not cost a new direct buffer. */
    @Test
    void decodedReadsReuseOneBufferPerThread() throws Exception {
        byte[] content = counting(1 << 20);
        MetadataReader r = reader(content);
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
        r.readDecoded(0, 65536, "table", b -> null); // this thread's buffer
        long before = direct.getCount();
        for (int i = 0; i < 1000; i++) {
            int at = (i * 65536) % content.length;
            byte[] got = r.readDecoded(at, 65536, "table", b -> {
                byte[] copy = new byte[b.remaining()];
                b.get(copy);
                return copy;
            });
            assertArrayEquals(java.util.Arrays.copyOfRange(content, at, at + 65536), got, "table at " + at);
        }
        long grown = direct.getCount() - before;
        assertTrue(grown < 10, "direct buffers allocated by 1,000 decoded reads: " + grown);
    }

    @Test
    void aShorterReadSeesOnlyItsOwnBytes() throws Exception {
        byte[] content = counting(8192);
        MetadataReader r = reader(content);
        r.readDecoded(0, 8192, "big", b -> null);
        int seen = r.readDecoded(4096, 16, "small", b -> b.remaining());
        assertEquals(16, seen);
        long[] longs = r.readLongs(8, 3, "longs");
        assertEquals(java.nio.ByteBuffer.wrap(content).getLong(8), longs[0]);
        assertEquals(java.nio.ByteBuffer.wrap(content).getLong(24), longs[2]);
    }

    @Test
    void aTableBeyondTheEndIsCorruption() throws Exception {
        MetadataReader r = reader(counting(4096));
        ImageException e = assertThrows(ImageException.class, () -> r.readDecoded(0, 65536, "L2 table", b -> null));
        assertTrue(e.getMessage().contains("L2 table at 0x0 lies beyond the end of the file (4096 bytes)"),
                e.getMessage());
    }
}
