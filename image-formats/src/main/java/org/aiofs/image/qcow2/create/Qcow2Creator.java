package org.aiofs.image.qcow2.create;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.aiofs.image.NewFile;
import org.aiofs.image.qcow2.HeaderExtensions;
import org.aiofs.image.qcow2.Qcow2Header;

/**
 * Writes a new, empty qcow2 image (v3, or v2 with compat=0.10): header and its
 * extensions (backing format, feature name table as QEMU writes them), backing file name,
 * refcount table and blocks covering the metadata, and a zeroed L1 table sized for the
 * virtual size. An existing file is never overwritten.
 */
public final class Qcow2Creator {
    /** QEMU writes the feature name table only with clusters of at least 8 KiB. */
    static final int FEATURE_TABLE_MIN_CLUSTER = 8192;
    private static final int V3_HEADER_LENGTH = 112;

    /** The feature names QEMU 7.2 writes: type (0 incompatible, 1 compatible, 2 autoclear), bit, name. */
    private static final Object[][] FEATURES = {
        {0, 0, "dirty bit"},
        {0, 1, "corrupt bit"},
        {0, 2, "external data file"},
        {0, 3, "compression type"},
        {0, 4, "extended L2 entries"},
        {1, 0, "lazy refcounts"},
        {2, 0, "bitmaps"},
        {2, 1, "raw external data"},
    };

    private Qcow2Creator() {
    }

    public static void create(Path image, Qcow2CreateOptions options) throws IOException {
        options.validate();
        // qemu-img rounds the size up to whole 512-byte sectors
        Qcow2CreateOptions o = options.withVirtualSize((options.virtualSize() + 511) & ~511L);
        o.validate();
        Qcow2Layout layout = Qcow2Layout.of(o);
        ByteBuffer header = header(o, layout);
        NewFile.create(image, f -> {
            FileChannel ch = f.getChannel();
            write(ch, header, 0);
            write(ch, refcountTable(layout), layout.refcountTableOffset());
            write(ch, refcountBlocks(o, layout), layout.refcountBlocksOffset());
            // the L1 table is all zeroes: extending the file leaves it a hole
            f.setLength(layout.fileLength());
        });
    }

    /** The first cluster: header, extensions, end marker, backing file name. */
    static ByteBuffer header(Qcow2CreateOptions o, Qcow2Layout layout) {
        int c = o.clusterSize();
        ByteBuffer b = ByteBuffer.allocate(c);
        long incompatible = 0;
        if (o.compressionType() != Qcow2Header.COMPRESSION_ZLIB) {
            incompatible |= Qcow2Header.INCOMPAT_COMPRESSION;
        }
        if (o.extendedL2()) {
            incompatible |= Qcow2Header.INCOMPAT_EXTENDED_L2;
        }
        b.putInt(0, Qcow2Header.MAGIC);
        b.putInt(4, o.version());
        b.putInt(20, o.clusterBits());
        b.putLong(24, o.virtualSize());
        b.putInt(36, (int) layout.l1Size());
        b.putLong(40, layout.l1TableOffset());
        b.putLong(48, layout.refcountTableOffset());
        b.putInt(56, layout.refcountTableClusters());
        int pos = Qcow2Header.V2_HEADER_LENGTH;
        if (o.version() == 3) {
            b.putLong(72, incompatible);
            b.putLong(80, o.lazyRefcounts() ? Qcow2Header.COMPAT_LAZY_REFCOUNTS : 0);
            b.putInt(96, o.refcountOrder());
            b.putInt(100, V3_HEADER_LENGTH);
            b.put(104, (byte) o.compressionType());
            pos = V3_HEADER_LENGTH;
        }
        if (o.backingFormat() != null) {
            pos = extension(b, pos, HeaderExtensions.BACKING_FORMAT, o.backingFormat().getBytes(StandardCharsets.UTF_8));
        }
        if (o.version() == 3 && c >= FEATURE_TABLE_MIN_CLUSTER) {
            pos = extension(b, pos, HeaderExtensions.FEATURE_NAMES, featureTable());
        }
        pos = extension(b, pos, HeaderExtensions.END, new byte[0]);
        if (o.backingFile() != null) {
            byte[] name = o.backingFile().getBytes(StandardCharsets.UTF_8);
            if (pos + name.length > c) {
                throw new IllegalArgumentException("backing file name does not fit in the first cluster ("
                        + c + " bytes)");
            }
            b.put(pos, name);
            b.putLong(8, pos);
            b.putInt(16, name.length);
        }
        return b;
    }

    private static int extension(ByteBuffer b, int pos, int type, byte[] data) {
        int padded = (data.length + 7) & ~7;
        if (pos + 8 + padded > b.capacity()) {
            throw new IllegalArgumentException("header extensions do not fit in the first cluster ("
                    + b.capacity() + " bytes)");
        }
        b.putInt(pos, type);
        b.putInt(pos + 4, data.length);
        b.put(pos + 8, data);
        return pos + 8 + padded;
    }

    private static byte[] featureTable() {
        ByteBuffer t = ByteBuffer.allocate(FEATURES.length * 48);
        for (int i = 0; i < FEATURES.length; i++) {
            t.put(i * 48, (byte) (int) (Integer) FEATURES[i][0]);
            t.put(i * 48 + 1, (byte) (int) (Integer) FEATURES[i][1]);
            t.put(i * 48 + 2, ((String) FEATURES[i][2]).getBytes(StandardCharsets.US_ASCII));
        }
        return t.array();
    }

    private static ByteBuffer refcountTable(Qcow2Layout layout) {
        ByteBuffer t = ByteBuffer.allocate(layout.refcountTableClusters() * layout.clusterSize());
        for (int i = 0; i < layout.refcountBlocks(); i++) {
            t.putLong(i * 8, layout.refcountBlocksOffset() + (long) i * layout.clusterSize());
        }
        return t;
    }

    /** Refcount 1 for each metadata cluster, at the requested width (sub-byte widths LSB first, as QEMU). */
    private static ByteBuffer refcountBlocks(Qcow2CreateOptions o, Qcow2Layout layout) {
        ByteBuffer blocks = ByteBuffer.allocate(layout.refcountBlocks() * layout.clusterSize());
        int bits = o.refcountBits();
        for (long cluster = 0; cluster < layout.metadataClusters(); cluster++) {
            long bit = cluster * bits;
            if (bits < 8) {
                int at = (int) (bit / 8);
                blocks.put(at, (byte) (blocks.get(at) | (1 << (bit % 8))));
            } else {
                // big-endian: the value 1 is in the last byte of the entry
                int at = (int) ((bit + bits) / 8 - 1);
                blocks.put(at, (byte) 1);
            }
        }
        return blocks;
    }

    private static void write(FileChannel ch, ByteBuffer b, long position) throws IOException {
        ByteBuffer d = b.duplicate().clear();
        long pos = position;
        while (d.hasRemaining()) {
            pos += ch.write(d, pos);
        }
    }
}
