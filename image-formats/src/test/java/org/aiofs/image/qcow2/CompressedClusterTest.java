package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.Deflater;

import com.github.luben.zstd.Zstd;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.ImageException;
import org.junit.jupiter.api.Test;

class CompressedClusterTest {
    @Test
    void descriptorFor64KiBClusters() {
        // x = 62 - (16 - 8) = 54: offset in bits 0..53, additional sectors in bits 54..61
        long word = L2Entry.COMPRESSED | (3L << 54) | 0x123456L;
        CompressedCluster c = CompressedCluster.decode(word, 16);
        assertEquals(0x123456L, c.hostOffset());
        assertEquals(4 * 512 - 0x56, c.compressedLength());
    }

    @Test
    void descriptorForSmallestAndLargestClusters() {
        // 512 B clusters: x = 61, one sector bit
        CompressedCluster small = CompressedCluster.decode(L2Entry.COMPRESSED | (1L << 61) | 0x200L, 9);
        assertEquals(0x200L, small.hostOffset());
        assertEquals(1024, small.compressedLength());
        // 2 MiB clusters: x = 49, 13 sector bits; the offset may use every bit below 49
        long offset = (1L << 48) | 0x1ff;
        CompressedCluster big = CompressedCluster.decode(L2Entry.COMPRESSED | (0x1fffL << 49) | offset, 21);
        assertEquals(offset, big.hostOffset());
        assertEquals(0x2000 * 512 - 0x1ff, big.compressedLength());
    }

    private static byte[] clusterData(int size) {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (i % 251 < 100 ? i : 'x');
        }
        return data;
    }

    @Test
    void rawDeflateWithTrailingPadding() throws Exception {
        byte[] data = clusterData(65536);
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(data);
        d.finish();
        byte[] out = new byte[70000];
        int n = d.deflate(out);
        d.end();
        // the descriptor counts whole sectors: bytes after the stream are junk
        ByteBuffer compressed = ByteBuffer.wrap(Arrays.copyOf(out, n + 300));
        ByteBuffer cluster = ByteBuffer.allocate(65536);
        CompressedCluster.decompress("t.qcow2", 0, Qcow2Header.COMPRESSION_ZLIB, compressed, cluster);
        assertArrayEquals(data, cluster.array());
        assertEquals(0, cluster.position());
    }

    @Test
    void zstdWithTrailingPadding() throws Exception {
        byte[] data = clusterData(4096);
        byte[] z = Zstd.compress(data);
        ByteBuffer compressed = ByteBuffer.wrap(Arrays.copyOf(z, z.length + 200));
        ByteBuffer cluster = ByteBuffer.allocateDirect(4096);
        CompressedCluster.decompress("t.qcow2", 0, Qcow2Header.COMPRESSION_ZSTD, compressed, cluster);
        byte[] got = new byte[4096];
        cluster.get(0, got);
        assertArrayEquals(data, got);
    }

    /** QEMU's rule: the frame must end with the cluster; more data than a cluster is damage, not a cluster. */
    @Test
    void zstdFrameLongerThanTheClusterIsCorruption() {
        byte[] z = Zstd.compress(clusterData(4096 + 1));
        ImageException e = assertThrows(ImageException.class, () -> CompressedCluster.decompress("t.qcow2", 0,
                Qcow2Header.COMPRESSION_ZSTD, ByteBuffer.wrap(z), ByteBuffer.allocateDirect(4096)));
        assertTrue(e.getMessage().contains("inflates past the cluster size (4096 bytes)"), e.getMessage());
        assertEquals(Errno.EIO, e.errno());
    }

    @Test
    void truncatedOrGarbageDataIsCorruption() {
        byte[] z = Zstd.compress(clusterData(4096));
        ImageException e = assertThrows(ImageException.class, () -> CompressedCluster.decompress("t.qcow2", 0x10000,
                Qcow2Header.COMPRESSION_ZSTD, ByteBuffer.wrap(Arrays.copyOf(z, z.length / 2)),
                ByteBuffer.allocate(4096)));
        assertTrue(e.getMessage().startsWith("t.qcow2: compressed cluster at guest offset 0x10000"), e.getMessage());
        assertEquals(Errno.EIO, e.errno());
        assertThrows(ImageException.class, () -> CompressedCluster.decompress("t.qcow2", 0,
                Qcow2Header.COMPRESSION_ZLIB, ByteBuffer.wrap(new byte[64]), ByteBuffer.allocate(4096)));
    }
}
