package org.aiofs.image.qcow2;

import org.aiofs.testing.Tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.aiofs.aio.Futures;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.ImageException;
import org.aiofs.testing.Qemu;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.EngineTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-damaged images: refused at open, or EIO on the read that meets the damage, with the field named. */
class Qcow2MalformedTest extends EngineTestBase {
    @TempDir
    Path dir;

    /** A v3 image, 64 KiB clusters, with data at 0 so an L2 table exists. */
    private Path image(String name) throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", name, "4M");
        Qemu.io(dir.resolve(name), "qcow2", "write -P 0x5a 0 8192");
        return dir.resolve(name);
    }

    private ImageException refused(Path image, String... expected) {
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageOpener(engine).open(image, null, true).close());
        assertOneLine(e, image, expected);
        return e;
    }

    private static void assertOneLine(IOException e, Path image, String... expected) {
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.contains(image.getFileName().toString()), "names the image: " + m);
        for (String s : expected) {
            assertTrue(m.contains(s), "mentions '" + s + "': " + m);
        }
    }

    private IOException readFails(Path image, long offset, String... expected) throws IOException {
        try (BlockImage img = new ImageOpener(engine).open(image, null, true)) {
            IOException e = assertThrows(IOException.class, () -> Futures.await(img.read(offset,
                    ByteBuffer.allocate(4096))));
            assertInstanceOf(ImageException.class, e);
            assertEquals(Errno.EIO, ((ImageException) e).errno());
            assertOneLine(e, image, expected);
            return e;
        }
    }

    @Test
    void l1TableBeyondTheEndOfTheFile() throws Exception {
        Path p = image("vm.qcow2");
        ImageDamage.putLong(p, 40, 0x100000000000L);
        refused(p, "L1 table at 0x100000000000 lies beyond the end of the file");
    }

    @Test
    void hugeL1Size() throws Exception {
        Path p = image("l1.qcow2");
        ImageDamage.putInt(p, 36, 0x10000000);
        refused(p, "l1_size", "32 MiB");
    }

    @Test
    void l1SizeTooSmallForTheDisk() throws Exception {
        Path p = image("small.qcow2");
        ImageDamage.putLong(p, 24, 1L << 40);
        refused(p, "l1_size", "too small");
    }

    @Test
    void unknownIncompatibleBit() throws Exception {
        Path p = image("bit.qcow2");
        ImageDamage.putLong(p, 72, ImageDamage.getLong(p, 72) | (1L << 40));
        ImageException e = refused(p, "incompatible", "0x10000000000");
        assertEquals(Errno.ENOTSUP, e.errno());
    }

    @Test
    void badClusterBits() throws Exception {
        Path p = image("cb.qcow2");
        ImageDamage.putInt(p, 20, 30);
        refused(p, "cluster_bits 30");
        ImageDamage.putInt(p, 20, 8);
        refused(p, "cluster_bits 8");
    }

    @Test
    void refcountOrderAboveSix() throws Exception {
        Path p = image("ro.qcow2");
        ImageDamage.putInt(p, 96, 7);
        refused(p, "refcount_order 7");
    }

    @Test
    void encryption() throws Exception {
        Path p = image("enc.qcow2");
        ImageDamage.putInt(p, 32, 1);
        refused(p, "encrypted images are not supported");
    }

    @Test
    void snapshotTableBeyondTheEndOfTheFile() throws Exception {
        Path p = image("snap.qcow2");
        Qemu.img(dir, "snapshot", "-c", "one", "snap.qcow2");
        ImageDamage.putLong(p, 64, 1L << 40);
        refused(p, "snapshot table at 0x10000000000 lies beyond the end of the file");
    }

    @Test
    void tooManySnapshots() throws Exception {
        Path p = image("many.qcow2");
        Qemu.img(dir, "snapshot", "-c", "one", "many.qcow2");
        ImageDamage.putInt(p, 60, 0x7fffffff);
        refused(p, "nb_snapshots");
    }

    @Test
    void refcountTableBeyondTheEndOfTheFile() throws Exception {
        Path p = image("rt.qcow2");
        ImageDamage.putLong(p, 48, 1L << 44);
        refused(p, "refcount table at 0x100000000000 lies beyond the end of the file");
    }

    @Test
    void hugeRefcountTable() throws Exception {
        Path p = image("rtc.qcow2");
        ImageDamage.putInt(p, 56, 1 << 20);
        refused(p, "refcount_table_clusters");
    }

    @Test
    void headerExtensionLongerThanTheCluster() throws Exception {
        Path p = image("ext.qcow2");
        int headerLength = ImageDamage.getInt(p, 100);
        ImageDamage.putInt(p, headerLength + 4, 0x7fffffff);
        refused(p, "header extension", "runs past the first cluster");
    }

    @Test
    void backingNameTooLong() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "base.qcow2", "1M");
        Qemu.img(dir, "create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "bn.qcow2", "1M");
        Path p = dir.resolve("bn.qcow2");
        ImageDamage.putInt(p, 16, 5000);
        refused(p, "backing_file_size 5000");
    }

    @Test
    void missingBackingFile() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "gone.qcow2", "1M");
        Qemu.img(dir, "create", "-f", "qcow2", "-b", "gone.qcow2", "-F", "qcow2", "orphan.qcow2", "1M");
        java.nio.file.Files.delete(dir.resolve("gone.qcow2"));
        refused(dir.resolve("orphan.qcow2"), "backing file", "gone.qcow2");
    }

    @Test
    void backingLoop() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "b.qcow2", "1M");
        Qemu.img(dir, "create", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2", "a.qcow2", "1M");
        Qemu.img(dir, "rebase", "-u", "-F", "qcow2", "-b", "a.qcow2", "b.qcow2");
        refused(dir.resolve("a.qcow2"), "loop");
        // an image naming itself
        Qemu.img(dir, "create", "-f", "qcow2", "self.qcow2", "1M");
        Qemu.img(dir, "rebase", "-u", "-F", "qcow2", "-b", "self.qcow2", "self.qcow2");
        refused(dir.resolve("self.qcow2"), "loop");
    }

    private static long l2Table(Path p) throws IOException {
        long l1 = ImageDamage.getLong(p, 40);
        return ImageDamage.getLong(p, l1) & L2Entry.OFFSET_MASK;
    }

    @Test
    void l2EntryPointingPastTheEndOfTheFile() throws Exception {
        Path p = image("l2.qcow2");
        ImageDamage.putLong(p, l2Table(p), L2Entry.COPIED | (1L << 40));
        readFails(p, 0, "L2 entry for guest offset 0x0", "beyond the end of the file");
        // the rest of the disk still reads
        try (BlockImage img = new ImageOpener(engine).open(p, null, true)) {
            Futures.await(img.read(65536, ByteBuffer.allocate(4096)));
        }
    }

    @Test
    void l2EntryWithAnUnalignedOffset() throws Exception {
        Path p = image("l2u.qcow2");
        ImageDamage.putLong(p, l2Table(p), L2Entry.COPIED | 0x50200L);
        readFails(p, 0, "unaligned host offset 0x50200");
    }

    @Test
    void l2TableBeyondTheEndOfTheFile() throws Exception {
        Path p = image("l2t.qcow2");
        long l1 = ImageDamage.getLong(p, 40);
        ImageDamage.putLong(p, l1, L2Entry.COPIED | (1L << 44));
        readFails(p, 0, "L2 table at 0x100000000000 lies beyond the end of the file");
    }

    @Test
    void damagedCompressedData() throws Exception {
        byte[] text = new byte[1 << 20];
        for (int i = 0; i < text.length; i++) {
            text[i] = (byte) ('a' + i % 23);
        }
        java.nio.file.Files.write(dir.resolve("src.raw"), text);
        Qemu.img(dir, "convert", "-c", "-f", "raw", "-O", "qcow2", "src.raw", "cz.qcow2");
        Path p = dir.resolve("cz.qcow2");
        long entry = ImageDamage.getLong(p, l2Table(p));
        assertTrue((entry & L2Entry.COMPRESSED) != 0, "cluster 0 is compressed");
        CompressedCluster c = CompressedCluster.decode(entry, 16);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(c.hostOffset());
            f.write(new byte[Math.min(c.compressedLength(), 64)]);
        }
        readFails(p, 0, "compressed cluster at guest offset 0x0");
    }

    /**
     * A zstd frame holding more than a cluster: QEMU fails the read (the frame must end with
     * the cluster), and so must aiofs rather than serve its first cluster's worth.
     */
    @Test
    void zstdClusterThatInflatesPastTheClusterSize() throws Exception {
        byte[] text = new byte[1 << 20];
        for (int i = 0; i < text.length; i++) {
            text[i] = (byte) ('a' + i % 23);
        }
        java.nio.file.Files.write(dir.resolve("src.raw"), text);
        Qemu.img(dir, "convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "compression_type=zstd", "src.raw",
                "long.qcow2");
        Path p = dir.resolve("long.qcow2");
        byte[] tooLong = com.github.luben.zstd.Zstd.compress(java.util.Arrays.copyOf(text, 65536 + 4096));
        long at;
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            at = (f.length() + 511) & ~511L;
            f.seek(at);
            f.write(tooLong);
            f.setLength((at + tooLong.length + 511) & ~511L);
        }
        long sectors = (tooLong.length + 511) / 512;
        ImageDamage.putLong(p, l2Table(p), L2Entry.COMPRESSED | ((sectors - 1) << 54) | at);
        Tool.Result qemu = Tool.run(dir, "qemu-io", "-f", "qcow2", "-c", "read 0 4k", "long.qcow2");
        assertTrue((qemu.stdout() + qemu.stderr()).contains("Input/output error"), "QEMU's verdict: " + qemu.describe());
        readFails(p, 0, "compressed cluster at guest offset 0x0", "inflates past the cluster size");
        // a frame that fits still reads (the neighbour cluster, untouched)
        try (BlockImage img = new ImageOpener(engine).open(p, null, true)) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            Futures.await(img.read(65536, b));
            assertEquals(text[65536], b.get(0));
        }
    }

    @Test
    void truncatedFile() throws Exception {
        Path p = image("trunc.qcow2");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(3 * 65536);
        }
        refused(p, "lies beyond the end of the file");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(50);
        }
        refused(p, "too short");
    }
}
