package org.aiofs.image.qcow2;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;

import org.aiofs.image.ImageException;

/**
 * A compressed cluster descriptor and its decompression. The descriptor holds the host
 * offset in bits 0..x-1 (x = 62 - (cluster_bits - 8)) and, above it, the number of
 * additional 512-byte sectors; the data may cross host cluster boundaries.
 */
public record CompressedCluster(long hostOffset, int compressedLength) {

    /** Decodes an L2 descriptor (the compressed flag set). */
    public static CompressedCluster decode(long word, int clusterBits) {
        int x = 62 - (clusterBits - 8);
        long offset = word & ((1L << x) - 1);
        long sectorMask = (1L << (clusterBits - 8)) - 1;
        long sectors = ((word >>> x) & sectorMask) + 1;
        long length = sectors * 512 - (offset & 511);
        return new CompressedCluster(offset, (int) length);
    }

    /**
     * Inflates {@code compressed} into exactly {@code out.remaining()} bytes of cluster data
     * (out is used from position to limit and not moved).
     */
    public static void decompress(String image, long guestOffset, int compressionType, ByteBuffer compressed,
            ByteBuffer out) throws ImageException {
        ByteBuffer target = out.duplicate();
        int wanted = target.remaining();
        if (compressionType == Qcow2Header.COMPRESSION_ZSTD) {
            unzstd(image, guestOffset, compressed, target, wanted);
        } else {
            inflate(image, guestOffset, compressed, target, wanted);
        }
    }

    /** Raw deflate (no zlib header), as QEMU writes it with window bits -12. */
    private static void inflate(String image, long guestOffset, ByteBuffer compressed, ByteBuffer target, int wanted)
            throws ImageException {
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(compressed.duplicate());
            int done = 0;
            while (done < wanted) {
                int n = inflater.inflate(target);
                done += n;
                if (n == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
            }
            if (done < wanted) {
                throw bad(image, guestOffset, "zlib data ends after " + done + " of " + wanted + " bytes");
            }
        } catch (DataFormatException e) {
            throw bad(image, guestOffset, "zlib data is invalid (" + e.getMessage() + ")");
        } finally {
            inflater.end();
        }
    }

    /**
     * zstd frames, decoded as a stream until the cluster is full (trailing padding is ignored).
     * As QEMU's qcow2_zstd_decompress: the frame being decoded must end with the cluster, or
     * the data inflates past the cluster size (damage, or a forged image) and the read fails.
     */
    private static void unzstd(String image, long guestOffset, ByteBuffer compressed, ByteBuffer target, int wanted)
            throws ImageException {
        ByteBuffer src = direct(compressed);
        ByteBuffer dst = target.isDirect() ? target : ByteBuffer.allocateDirect(wanted);
        try (ZstdDecompressCtx ctx = new ZstdDecompressCtx()) {
            int start = dst.position();
            boolean frameDone = false;
            while (dst.position() - start < wanted && src.hasRemaining()) {
                int before = dst.position();
                int srcBefore = src.position();
                frameDone = ctx.decompressDirectByteBufferStream(dst, src);
                if (dst.position() == before && src.position() == srcBefore) {
                    break;
                }
            }
            int done = dst.position() - start;
            if (done < wanted) {
                throw bad(image, guestOffset, "zstd data ends after " + done + " of " + wanted + " bytes");
            }
            if (!frameDone) {
                throw bad(image, guestOffset, "zstd data inflates past the cluster size (" + wanted + " bytes)");
            }
        } catch (ZstdException e) {
            throw bad(image, guestOffset, "zstd data is invalid (" + e.getMessage() + ")");
        }
        if (dst != target) {
            dst.flip();
            target.put(dst);
        }
    }

    private static ByteBuffer direct(ByteBuffer b) {
        if (b.isDirect()) {
            return b.duplicate();
        }
        ByteBuffer d = ByteBuffer.allocateDirect(b.remaining());
        d.put(b.duplicate()).flip();
        return d;
    }

    private static ImageException bad(String image, long guestOffset, String what) {
        return ImageException.corrupt(image, "compressed cluster at guest offset 0x" + Long.toHexString(guestOffset)
                + ": " + what);
    }
}
