package org.aiofs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A qcow2 image with thousands of internal snapshots, made in seconds: qemu-img makes the
 * image, writes its data and takes one snapshot; then the snapshot table is rewritten with
 * that entry copied {@code count} times (all sharing its L1 table) and the refcounts raised
 * to match, so that `qemu-img check` finds the image clean. (qemu-img takes about half a
 * second per snapshot at 2 MiB clusters here: 3,000 would take 25 minutes.) Supports
 * refcounts of 16 bits and more, and uncompressed data.
 */
public final class ManySnapshots {
    private ManySnapshots() {
    }

    /**
     * @param options  qemu-img create -o options (cluster_size, refcount_bits, ...)
     * @param data     qemu-io command writing the data the snapshots share
     */
    public static Path make(Path dir, String name, String options, String size, String data, int count) {
        Path image = dir.resolve(name);
        Qemu.img(dir, "create", "-q", "-f", "qcow2", "-o", options, name, size);
        Qemu.io(image, "qcow2", data);
        Qemu.img(dir, "snapshot", "-c", "s0", name);
        try (FileChannel f = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            new Rewrite(f).copies(count);
        } catch (IOException e) {
            throw new UncheckedIOException(image + ": cannot multiply its snapshot", e);
        }
        Qemu.img(dir, "check", "-q", name);
        return image;
    }

    private static final class Rewrite {
        private final FileChannel f;
        private final int clusterBits;
        private final long clusterSize;
        private final int refcountBytes;
        private final long refcountTable;

        Rewrite(FileChannel f) throws IOException {
            this.f = f;
            this.clusterBits = read(20, 4).getInt();
            this.clusterSize = 1L << clusterBits;
            int order = read(96, 4).getInt();
            if (order < 4) {
                throw new IllegalArgumentException("refcount_bits of 16 or more needed, not " + (1 << order));
            }
            this.refcountBytes = (1 << order) / 8;
            this.refcountTable = read(48, 8).getLong();
        }

        void copies(int count) throws IOException {
            long tableOffset = read(64, 8).getLong();
            ByteBuffer fixed = read(tableOffset, 40);
            long l1Offset = fixed.getLong(0);
            int l1Size = fixed.getInt(8);
            int extra = fixed.getInt(36);
            int oldLength = align8(40 + extra + (fixed.getShort(12) & 0xffff) + (fixed.getShort(14) & 0xffff));
            byte[] head = new byte[40 + extra];
            read(tableOffset, head.length).get(head);
            ByteBuffer table = ByteBuffer.allocate(count * align8(head.length + 16 + 16));
            for (int i = 0; i < count; i++) {
                byte[] id = String.valueOf(i + 1).getBytes(StandardCharsets.US_ASCII);
                byte[] snapshotName = ("s" + i).getBytes(StandardCharsets.US_ASCII);
                int start = table.position();
                table.put(head);
                table.putShort(start + 12, (short) id.length).putShort(start + 14, (short) snapshotName.length);
                table.put(id).put(snapshotName);
                table.position(align8(table.position()));
            }
            table.flip();
            List<Long> shared = sharedClusters(l1Offset, l1Size);
            for (long c : shared) {
                addRefcount(c, count - 1);
            }
            addRefcount(tableOffset >>> clusterBits, -1);
            if (((tableOffset + oldLength - 1) >>> clusterBits) != tableOffset >>> clusterBits) {
                throw new IllegalStateException("the first snapshot table spans clusters");
            }
            long newOffset = (f.size() + clusterSize - 1) & -clusterSize;
            for (long c = newOffset >>> clusterBits; c <= (newOffset + table.limit() - 1) >>> clusterBits; c++) {
                addRefcount(c, 1);
            }
            write(newOffset, table);
            f.force(false);
            write(60, ByteBuffer.allocate(12).putInt(count).putLong(newOffset).flip());
            f.force(false);
        }

        /** The snapshot's L1 table, its L2 tables and their data clusters. */
        private List<Long> sharedClusters(long l1Offset, int l1Size) throws IOException {
            List<Long> out = new ArrayList<>();
            for (long c = l1Offset >>> clusterBits; c <= (l1Offset + l1Size * 8L - 1) >>> clusterBits; c++) {
                out.add(c);
            }
            ByteBuffer l1 = read(l1Offset, l1Size * 8);
            for (int i = 0; i < l1Size; i++) {
                long l2 = l1.getLong(i * 8) & 0x00ff_ffff_ffff_fe00L;
                if (l2 == 0) {
                    continue;
                }
                out.add(l2 >>> clusterBits);
                ByteBuffer entries = read(l2, (int) clusterSize);
                while (entries.hasRemaining()) {
                    long e = entries.getLong();
                    if ((e & (1L << 62)) != 0) {
                        throw new IllegalArgumentException("compressed clusters are not supported here");
                    }
                    long host = e & 0x00ff_ffff_ffff_fe00L;
                    if (host != 0) {
                        out.add(host >>> clusterBits);
                    }
                }
            }
            return out;
        }

        private void addRefcount(long cluster, long delta) throws IOException {
            long perBlock = clusterSize / refcountBytes;
            long block = read(refcountTable + (cluster / perBlock) * 8, 8).getLong() & ~0x1ffL;
            if (block == 0) {
                throw new IllegalStateException("no refcount block covers cluster " + cluster);
            }
            long at = block + (cluster % perBlock) * refcountBytes;
            ByteBuffer b = read(at, refcountBytes);
            long value = switch (refcountBytes) {
                case 2 -> b.getShort(0) & 0xffffL;
                case 4 -> b.getInt(0) & 0xffff_ffffL;
                default -> b.getLong(0);
            } + delta;
            if (value < 0 || refcountBytes < 8 && value >= 1L << (8 * refcountBytes)) {
                throw new IllegalStateException("refcount of cluster " + cluster + " would be " + value);
            }
            b.clear();
            switch (refcountBytes) {
                case 2 -> b.putShort((short) value);
                case 4 -> b.putInt((int) value);
                default -> b.putLong(value);
            }
            write(at, b.flip());
        }

        private ByteBuffer read(long at, int length) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining() && f.read(b, at + b.position()) >= 0) {
                // a short read at the end of the file leaves zeroes
            }
            return b.flip().limit(length);
        }

        private void write(long at, ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                f.write(b, at + b.position());
            }
        }

        private static int align8(int n) {
            return (n + 7) & ~7;
        }
    }
}
