package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.aiofs.image.ImageException;
import org.junit.jupiter.api.Test;

class Qcow2HeaderTest {
    private static final long FILE = 1 << 20;

    /** A v3 header as qemu-img writes it for a 1 GiB disk with 64 KiB clusters. */
    private static ByteBuffer v3() {
        ByteBuffer b = ByteBuffer.allocate(65536);
        b.putInt(0, Qcow2Header.MAGIC);
        b.putInt(4, 3);
        b.putInt(20, 16);
        b.putLong(24, 1L << 30);
        b.putInt(36, 2);
        b.putLong(40, 0x30000);
        b.putLong(48, 0x10000);
        b.putInt(56, 1);
        b.putInt(96, 4);
        b.putInt(100, 112);
        return b;
    }

    @Test
    void parsesAVersion3Header() throws Exception {
        Qcow2Header h = Qcow2Header.parse("t.qcow2", v3(), FILE);
        assertEquals(3, h.version());
        assertEquals(65536, h.clusterSize());
        assertEquals(1L << 30, h.virtualSize());
        assertEquals(13, h.l2Bits());
        assertEquals(16, h.refcountBits());
        assertEquals("zlib", h.compressionName());
        assertEquals(112, h.extensionsOffset());
        assertFalse(h.dirty());
        assertFalse(h.extendedL2());
    }

    @Test
    void featureBits() throws Exception {
        ByteBuffer b = v3();
        b.putLong(72, Qcow2Header.INCOMPAT_DIRTY | Qcow2Header.INCOMPAT_CORRUPT | Qcow2Header.INCOMPAT_EXTENDED_L2
                | Qcow2Header.INCOMPAT_COMPRESSION);
        b.put(104, (byte) 1);
        b.putLong(80, Qcow2Header.COMPAT_LAZY_REFCOUNTS);
        b.putInt(36, 4); // extended L2 tables cover half as much
        Qcow2Header h = Qcow2Header.parse("t.qcow2", b, FILE);
        assertTrue(h.dirty());
        assertTrue(h.corrupt());
        assertTrue(h.extendedL2());
        assertTrue(h.lazyRefcounts());
        assertEquals(12, h.l2Bits());
        assertEquals("zstd", h.compressionName());
    }

    @Test
    void version2DefaultsItsV3Fields() throws Exception {
        ByteBuffer b = v3();
        b.putInt(4, 2);
        b.putInt(96, 0xdead); // v2 has no refcount_order: must not be read
        Qcow2Header h = Qcow2Header.parse("t.qcow2", b, FILE);
        assertEquals(2, h.version());
        assertEquals(16, h.refcountBits());
        assertEquals(72, h.extensionsOffset());
    }

    @Test
    void refusals() {
        ByteBuffer b = v3();
        b.putInt(4, 4);
        assertMessage(b, "qcow2 version 4 is not supported");
        b = v3();
        b.putInt(96, 7);
        assertMessage(b, "refcount_order 7");
        b = v3();
        b.putLong(72, 1L << 5);
        assertMessage(b, "unknown incompatible feature bits 0x20");
        b = v3();
        b.putInt(100, 100);
        assertMessage(b, "header_length 100");
        b = v3();
        b.put(104, (byte) 1); // zstd without the compression type bit
        assertMessage(b, "compression_type 1");
        b = v3();
        b.putInt(36, 1);
        assertMessage(b, "l1_size 1 is too small");
        b = v3();
        b.putLong(40, 0x30001);
        assertMessage(b, "not a cluster-aligned position");
        b = v3();
        b.putLong(72, Qcow2Header.INCOMPAT_EXTENDED_L2);
        b.putInt(20, 12);
        b.putInt(36, 1 << 10);
        b.putLong(40, 0x3000);
        b.putLong(48, 0x1000);
        assertMessage(b, "extended_l2 needs clusters of at least 16 KiB");
        b = v3();
        b.putLong(8, 0x100);
        b.putInt(16, 2000);
        assertMessage(b, "backing_file_size 2000");
    }

    private static void assertMessage(ByteBuffer header, String expected) {
        ImageException e = assertThrows(ImageException.class, () -> Qcow2Header.parse("t.qcow2", header, FILE));
        assertTrue(e.getMessage().startsWith("t.qcow2: ") && e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void headerExtensions() throws Exception {
        ByteBuffer b = v3();
        int pos = 112;
        pos = ext(b, pos, HeaderExtensions.BACKING_FORMAT, "qcow2".getBytes(StandardCharsets.UTF_8));
        pos = ext(b, pos, 0x12345678, new byte[13]); // unknown: skipped
        byte[] names = new byte[48];
        names[0] = 0;
        names[1] = 4;
        System.arraycopy("extended l2".getBytes(StandardCharsets.UTF_8), 0, names, 2, 11);
        pos = ext(b, pos, HeaderExtensions.FEATURE_NAMES, names);
        pos = ext(b, pos, HeaderExtensions.DATA_FILE, "disk.data".getBytes(StandardCharsets.UTF_8));
        b.putInt(pos, 0);
        HeaderExtensions e = HeaderExtensions.parse("t.qcow2", b, 112);
        assertEquals("qcow2", e.backingFormat());
        assertEquals("disk.data", e.dataFile());
        assertEquals("extended l2", e.featureNames().get("incompatible:4"));
        assertEquals(1, e.unknownCount());

        ByteBuffer none = v3();
        HeaderExtensions empty = HeaderExtensions.parse("t.qcow2", none, 112);
        assertNull(empty.backingFormat());

        ByteBuffer crypt = v3();
        ext(crypt, 112, HeaderExtensions.ENCRYPTION, new byte[16]);
        assertThrows(ImageException.class, () -> HeaderExtensions.parse("t.qcow2", crypt, 112));
    }

    private static int ext(ByteBuffer b, int pos, int type, byte[] data) {
        b.putInt(pos, type);
        b.putInt(pos + 4, data.length);
        b.put(pos + 8, data);
        return pos + 8 + ((data.length + 7) & ~7);
    }
}
