package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.aiofs.aio.Futures;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.ImageException;
import org.aiofs.testing.Qemu;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.open.NamedFilePolicy;
import org.aiofs.image.qcow2.driver.Qcow2Driver;
import org.aiofs.image.EngineTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Images made by qemu-img/qemu-io, read through the driver, compared with `qemu-img convert -O raw`. */
class Qcow2ReadTest extends EngineTestBase {
    @TempDir
    Path dir;

    /** Opened with the test's whole folder allowed: some chains climb out of a subfolder ("../mid.qcow2"). */
    private BlockImage open(String image) throws IOException {
        return new ImageOpener(engine).withPolicy(NamedFilePolicy.fromOptions(List.of(dir.toString())))
                .open(dir.resolve(image), null, true);
    }

    private void assertReadsAsQemu(String image) throws Exception {
        Path expected = Qemu.toRaw(dir.resolve(image));
        try (BlockImage img = open(image)) {
            assertEquals("qcow2", img.format());
            DiskComparison.assertSameAsRaw(img, expected);
        }
    }

    /** Data, zero writes (allocated and unmapped), discards and untouched holes in one image. */
    private void writeMix(String image, long size) throws Exception {
        long cs = 65536;
        Qemu.io(dir.resolve(image), "qcow2",
                "write -P 0x11 0 " + (3 * cs + 1536),
                "write -P 0x22 " + (size / 2 - 4096) + " 12288",
                "write -P 0x33 " + (size - 8192) + " 8192",
                "write -z 65536 65536",
                "write -z -u 131072 512",
                "discard " + (size / 2) + " 4096",
                "write -P 0x44 " + (size / 3) + " 777");
    }

    @Test
    void v3DataZeroesDiscardsAndHoles() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "a.qcow2", "8M");
        writeMix("a.qcow2", 8 << 20);
        assertReadsAsQemu("a.qcow2");
    }

    @Test
    void version2Image() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "compat=0.10", "v2.qcow2", "8M");
        writeMix("v2.qcow2", 8 << 20);
        try (BlockImage img = open("v2.qcow2")) {
            assertEquals(2, ((Qcow2Image) img).header().version());
        }
        assertReadsAsQemu("v2.qcow2");
        // a v2 overlay: its header extensions (backing format) start right after the 72-byte header
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "compat=0.10", "-b", "v2.qcow2", "-F", "qcow2", "v2top.qcow2",
                "9M");
        Qemu.io(dir.resolve("v2top.qcow2"), "qcow2", "write -P 0x55 4M 70000", "write -z 0 4096");
        try (BlockImage img = open("v2top.qcow2")) {
            assertEquals("qcow2", ((Qcow2Image) img).extensions().backingFormat());
        }
        assertReadsAsQemu("v2top.qcow2");
    }

    @Test
    void extendedL2WithCompressedClusters() throws Exception {
        Path src = mixedSource(1 << 20);
        Qemu.img(dir, "convert", "-c", "-f", "raw", "-O", "qcow2", "-o",
                "extended_l2=on,cluster_size=16384,compression_type=zstd", src.toString(), "extc.qcow2");
        Qemu.io(dir.resolve("extc.qcow2"), "qcow2", "write -P 0x61 16384 512", "write -z 40000 1000");
        assertReadsAsQemu("extc.qcow2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"metadata", "falloc", "full"})
    void preallocatedImages(String mode) throws Exception {
        String name = "pre-" + mode + ".qcow2";
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "preallocation=" + mode, name, "2M");
        Qemu.io(dir.resolve(name), "qcow2", "write -P 0x71 5000 3000", "write -z 65536 65536", "discard 131072 65536");
        assertReadsAsQemu(name);
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 1024, 4096, 65536, 1 << 21})
    void everyClusterSize(int clusterSize) throws Exception {
        String name = "c" + clusterSize + ".qcow2";
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=" + clusterSize, name, "9M");
        writeMix(name, 9 << 20);
        try (BlockImage img = open(name)) {
            assertEquals(clusterSize, ((Qcow2Image) img).header().clusterSize());
        }
        assertReadsAsQemu(name);
    }

    @Test
    void sizeNotAMultipleOfTheClusterSize() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "odd.qcow2", String.valueOf(5 * 1024 * 1024 + 3 * 512));
        Qemu.io(dir.resolve("odd.qcow2"), "qcow2", "write -P 0x5a 5242000 1000", "write -P 0x01 0 100000");
        assertReadsAsQemu("odd.qcow2");
    }

    /** A source with incompressible and compressible stretches, so compressed sizes vary and cross clusters. */
    private Path mixedSource(long size) throws IOException {
        Path src = dir.resolve("source.raw");
        byte[] data = new byte[(int) size];
        Random r = new Random(7);
        for (int i = 0; i < data.length; i += 4096) {
            int kind = (i / 4096) % 5;
            for (int j = i; j < Math.min(i + 4096, data.length); j++) {
                data[j] = switch (kind) {
                    case 0 -> (byte) r.nextInt();
                    case 1 -> (byte) ('a' + (j % 26));
                    case 2 -> 0;
                    case 3 -> (byte) (r.nextInt(4));
                    default -> (byte) (j >> 8);
                };
            }
        }
        Files.write(src, data);
        return src;
    }

    @ParameterizedTest
    @ValueSource(strings = {"zlib", "zstd"})
    void compressedClusters(String type) throws Exception {
        Path src = mixedSource(3 << 20);
        int crossing = 0;
        for (int cs : new int[] {4096, 65536}) {
            String name = type + cs + ".qcow2";
            Qemu.img(dir, "convert", "-c", "-f", "raw", "-O", "qcow2", "-o",
                    "compression_type=" + type + ",cluster_size=" + cs, src.toString(), name);
            try (BlockImage img = open(name)) {
                assertEquals(type, ((Qcow2Image) img).header().compressionName());
            }
            crossing += compressedClustersCrossingAHostCluster(dir.resolve(name));
            assertReadsAsQemu(name);
        }
        assertTrue(crossing > 0, "some compressed clusters cross a host cluster boundary");
    }

    @Test
    void compressedThenPartlyOverwritten() throws Exception {
        Path src = mixedSource(2 << 20);
        Qemu.img(dir, "convert", "-c", "-f", "raw", "-O", "qcow2", src.toString(), "cw.qcow2");
        Qemu.io(dir.resolve("cw.qcow2"), "qcow2", "write -P 0x77 70000 5000", "write -z 200000 70000");
        assertReadsAsQemu("cw.qcow2");
    }

    @Test
    void extendedL2WithSubclustersOverABacking() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "base.qcow2", "4M");
        Qemu.io(dir.resolve("base.qcow2"), "qcow2", "write -P 0xbb 0 4M");
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "extended_l2=on,cluster_size=65536", "-b", "base.qcow2", "-F",
                "qcow2", "ext.qcow2");
        Qemu.io(dir.resolve("ext.qcow2"), "qcow2",
                "write -P 0x01 2048 2048", "write -P 0x02 8192 6144", "write -z 20480 2048",
                "write -P 0x03 131072 65536", "write -z 262144 4096", "write -P 0x04 300000 1",
                "discard 131072 2048");
        try (BlockImage img = open("ext.qcow2")) {
            assertTrue(((Qcow2Image) img).header().extendedL2());
        }
        assertReadsAsQemu("ext.qcow2");
    }

    @Test
    void extendedL2WithoutBacking() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "extended_l2=on,cluster_size=32768", "ext2.qcow2", "3M");
        Qemu.io(dir.resolve("ext2.qcow2"), "qcow2", "write -P 0x09 1024 1024", "write -z 0 512", "write -P 9 70000 30000");
        assertReadsAsQemu("ext2.qcow2");
    }

    /** raw (3 MiB) under qcow2 (4 MiB) under qcow2 (6 MiB): shorter backings read as zeroes past their end. */
    @Test
    void backingChainOfDepthThreeWithRawAtTheBottom() throws Exception {
        Files.write(dir.resolve("bottom.raw"), pattern(3 << 20, 3));
        Qemu.img(dir, "create", "-f", "qcow2", "-b", "bottom.raw", "-F", "raw", "mid.qcow2", "4M");
        Qemu.io(dir.resolve("mid.qcow2"), "qcow2", "write -P 0x21 1M 64k", "write -z 2M 128k", "write -P 0x22 3M 1M");
        Files.createDirectory(dir.resolve("top"));
        Qemu.img(dir, "create", "-f", "qcow2", "-b", "../mid.qcow2", "-F", "qcow2", "top/top.qcow2", "6M");
        Qemu.io(dir.resolve("top/top.qcow2"), "qcow2", "write -P 0x31 0 4096", "write -P 0x32 5M 4096",
                "write -z 1M 4096");
        assertReadsAsQemu("top/top.qcow2");
        try (BlockImage img = open("top/top.qcow2")) {
            var info = new Qcow2Driver().describe(img);
            assertEquals(2, info.backingChain().size());
            assertEquals("qcow2", info.backingChain().get(0).format());
            assertEquals("raw", info.backingChain().get(1).format());
        }
    }

    @Test
    void backingWithoutFormatIsProbed() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "b.qcow2", "2M");
        Qemu.io(dir.resolve("b.qcow2"), "qcow2", "write -P 0x66 0 2M");
        Qemu.img(dir, "create", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2", "o.qcow2", "2M");
        Qemu.io(dir.resolve("o.qcow2"), "qcow2", "write -P 0x67 4096 4096");
        // qemu-img 7.2 insists on -F: turn the backing format extension into an unknown one (skipped)
        ImageDamage.renameExtension(dir.resolve("o.qcow2"), HeaderExtensions.BACKING_FORMAT, 0x7e570000);
        try (BlockImage img = open("o.qcow2")) {
            assertEquals(null, ((Qcow2Image) img).extensions().backingFormat());
        }
        assertReadsAsQemu("o.qcow2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void externalDataFile(String raw) throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "data_file=data.bin,data_file_raw=" + raw, "d.qcow2", "4M");
        Qemu.io(dir.resolve("d.qcow2"), "qcow2", "write -P 0x41 0 100000", "write -z 65536 65536",
                "write -P 0x42 3M 4096");
        try (BlockImage img = open("d.qcow2")) {
            assertEquals("data.bin", ((Qcow2Image) img).extensions().dataFile());
        }
        assertReadsAsQemu("d.qcow2");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8, 16, 32, 64})
    void everyRefcountWidth(int bits) throws Exception {
        String name = "r" + bits + ".qcow2";
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "refcount_bits=" + bits, name, "2M");
        Qemu.io(dir.resolve(name), "qcow2", "write -P 0x10 4096 70000");
        try (BlockImage img = open(name)) {
            assertEquals(bits, ((Qcow2Image) img).header().refcountBits());
        }
        assertReadsAsQemu(name);
    }

    @Test
    void lazyRefcountsAndPreallocation() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "lazy_refcounts=on,preallocation=metadata", "l.qcow2", "3M");
        Qemu.io(dir.resolve("l.qcow2"), "qcow2", "write -P 0x12 1000 5000", "write -z 1M 64k");
        try (BlockImage img = open("l.qcow2")) {
            assertTrue(((Qcow2Image) img).header().lazyRefcounts());
        }
        assertReadsAsQemu("l.qcow2");
    }

    @Test
    void internalSnapshotsReadAsQemuReadsThem() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "s.qcow2", "4M");
        Qemu.io(dir.resolve("s.qcow2"), "qcow2", "write -P 0x01 0 1M");
        Qemu.img(dir, "snapshot", "-c", "first", "s.qcow2");
        Qemu.io(dir.resolve("s.qcow2"), "qcow2", "write -P 0x02 512k 1M", "write -z 0 4096");
        Qemu.img(dir, "snapshot", "-c", "second", "s.qcow2");
        Qemu.io(dir.resolve("s.qcow2"), "qcow2", "write -P 0x03 3M 4096", "discard 512k 64k");
        assertReadsAsQemu("s.qcow2");
        try (Qcow2Image img = (Qcow2Image) open("s.qcow2")) {
            assertEquals(2, img.snapshots().size());
            assertEquals("first", img.snapshots().get(0).name());
            assertEquals("1", img.snapshots().get(0).id());
            for (String snap : new String[] {"first", "second"}) {
                Path expected = Qemu.snapshotToRaw(dir.resolve("s.qcow2"), snap, dir, "s.qcow2" + "." + snap + ".expected.raw");
                try (Qcow2Image view = img.openSnapshot(snap)) {
                    DiskComparison.assertSameAsRaw(view, expected);
                }
            }
            // the snapshot views share the file: the active image still reads after they close
            Futures.await(img.read(0, ByteBuffer.allocate(4096)));
        }
    }

    /** The dirty and corrupt bits do not stop a read-only open (QEMU reads such images too). */
    @Test
    void dirtyAndCorruptImagesOpenReadOnly() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "lazy_refcounts=on", "dirty.qcow2", "2M");
        Qemu.io(dir.resolve("dirty.qcow2"), "qcow2", "write -P 0x3c 0 100k");
        Path p = dir.resolve("dirty.qcow2");
        ImageDamage.putLong(p, 72, ImageDamage.getLong(p, 72) | Qcow2Header.INCOMPAT_DIRTY);
        assertReadsAsQemu("dirty.qcow2");
        ImageDamage.putLong(p, 72, ImageDamage.getLong(p, 72) | Qcow2Header.INCOMPAT_CORRUPT);
        try (Qcow2Image img = (Qcow2Image) open("dirty.qcow2")) {
            assertTrue(img.header().dirty());
            assertTrue(img.header().corrupt());
            var info = new Qcow2Driver().describe(img);
            assertTrue(info.dirty() && (Boolean) info.formatSpecific().data().get("corrupt"));
        }
    }

    /** Reads from several threads at once, over a chain with compressed clusters, all as QEMU reads them. */
    @Test
    void concurrentReaders() throws Exception {
        Path src = mixedSource(2 << 20);
        Qemu.img(dir, "convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=4096", src.toString(),
                "cbase.qcow2");
        Qemu.img(dir, "create", "-f", "qcow2", "-b", "cbase.qcow2", "-F", "qcow2", "ctop.qcow2", "3M");
        Qemu.io(dir.resolve("ctop.qcow2"), "qcow2", "write -P 0x55 100000 300000", "write -z 1M 100000");
        Path expected = Qemu.toRaw(dir.resolve("ctop.qcow2"));
        byte[] want = Files.readAllBytes(expected);
        try (BlockImage img = open("ctop.qcow2")) {
            var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                var futures = new java.util.ArrayList<java.util.concurrent.Future<?>>();
                for (int t = 0; t < 4; t++) {
                    int seed = t;
                    futures.add(pool.submit(() -> {
                        Random r = new Random(seed);
                        for (int i = 0; i < 300; i++) {
                            int n = 1 + r.nextInt(70_000);
                            long pos = r.nextInt(want.length - n);
                            ByteBuffer b = ByteBuffer.allocate(n);
                            Futures.await(img.read(pos, b));
                            for (int j = 0; j < n; j++) {
                                if (b.get(j) != want[(int) pos + j]) {
                                    throw new AssertionError("byte at " + (pos + j) + " differs");
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (var f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void writesToAReadOnlyOpenAreRefused() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "w.qcow2", "1M");
        try (BlockImage img = open("w.qcow2")) {
            IOException w = assertThrows(IOException.class, () -> Futures.await(img.write(0, ByteBuffer.allocate(1))));
            assertInstanceOf(ImageException.class, w);
            assertEquals(Errno.EROFS, ((ImageException) w).errno());
        }
    }

    /** Walks L1 and L2 tables by hand: compressed data that starts in one host cluster and ends in the next. */
    private static int compressedClustersCrossingAHostCluster(Path image) throws IOException {
        int clusterBits = ImageDamage.getInt(image, 20);
        long cs = 1L << clusterBits;
        int l1Size = ImageDamage.getInt(image, 36);
        long l1 = ImageDamage.getLong(image, 40);
        int crossing = 0;
        for (int i = 0; i < l1Size; i++) {
            long l2 = ImageDamage.getLong(image, l1 + 8L * i) & L2Entry.OFFSET_MASK;
            for (long e = 0; l2 != 0 && e < cs; e += 8) {
                long word = ImageDamage.getLong(image, l2 + e);
                if ((word & L2Entry.COMPRESSED) != 0) {
                    CompressedCluster c = CompressedCluster.decode(word, clusterBits);
                    if (c.hostOffset() / cs != (c.hostOffset() + c.compressedLength() - 1) / cs) {
                        crossing++;
                    }
                }
            }
        }
        return crossing;
    }

    static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }
}
