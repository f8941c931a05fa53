package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.aiofs.aio.Futures;
import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.aiofs.image.open.ImageOpener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One write case at a time, with QEMU's map/check/convert saying what the image became. */
class Qcow2WriteCasesTest extends EngineTestBase {
    @TempDir
    Path dir;

    private BlockImage openWritable(String image) throws Exception {
        return new ImageOpener(engine).open(dir.resolve(image), "qcow2", false);
    }

    private String map(String image) throws Exception {
        return Tool.ok(dir, "qemu-img", "map", "--output=json", image).replace(" ", "");
    }

    /** A 10-byte write into an extended-L2 cluster allocates one 2 KiB subcluster; the rest still reads the backing file. */
    @Test
    void extendedL2WritesOnlyTheTouchedSubcluster() throws Exception {
        Qemu.img(dir, "create", "-f", "raw", "b.raw", "1M");
        Qemu.io(dir.resolve("b.raw"), "raw", "write -P 1 0 1M");
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "extended_l2=on", "-b", "b.raw", "-F", "raw", "x.qcow2", "1M");
        try (BlockImage img = openWritable("x.qcow2")) {
            Futures.await(img.write(4100, WriteWorkload.pattern(10, 3)));
        }
        String map = map("x.qcow2");
        assertTrue(map.contains("{\"start\":4096,\"length\":2048,\"depth\":0,"), map);
        assertTrue(map.contains("{\"start\":0,\"length\":4096,\"depth\":1,"), map);
        Qemu.img(dir, "check", "x.qcow2");
        Qemu.io(dir.resolve("x.qcow2"), "qcow2", "read -P 1 0 4100", "read -P 1 4110 1044466");
    }

    /**
     * A new cluster past the file's end gets only its data: the rest reads as zeroes without
     * being written, and the file reaches the cluster's end. A cluster freed inside the file and
     * allocated again is written whole, so what it held before never shows.
     */
    @Test
    void newClustersPastTheEndGetOnlyTheirData() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "n.qcow2", "4M");
        Qemu.io(dir.resolve("n.qcow2"), "qcow2", "write -P 9 1M 64k");
        String before = map("n.qcow2");
        Matcher old = Pattern.compile("\\{\"start\":1048576,[^}]*\"offset\":(\\d+)").matcher(before);
        assertTrue(old.find(), before);
        Qemu.img(dir, "snapshot", "-c", "s", "n.qcow2");
        Qemu.io(dir.resolve("n.qcow2"), "qcow2", "write -P 0 1M 64k"); // copied: the 9s stay the snapshot's
        // and their cluster is free, inside the file, the 9s still in it (not discarded)
        Qemu.img(dir, "snapshot", "--image-opts", "-d", "s",
                "driver=qcow2,pass-discard-snapshot=off,file.driver=file,file.filename=n.qcow2");
        try (BlockImage img = openWritable("n.qcow2")) {
            Futures.await(img.write((2 << 20) + 8192, WriteWorkload.pattern(4096, 5)));
            writeIntoSixteenClusters(img, 3L << 20, WriteWorkload.pattern(4096, 6));
        }
        String after = map("n.qcow2");
        assertTrue(after.contains("\"offset\":" + old.group(1) + "}"), "the freed cluster at " + old.group(1)
                + " (which held 9s) is allocated again: " + after);
        Qemu.img(dir, "check", "n.qcow2");
        List<String> zeroes = new ArrayList<>(List.of("read -P 0 1M 1M", "read -P 0 2M 8k", "read -P 0 2109440 53248"));
        zeroes.addAll(zeroesAroundTheData(3L << 20));
        Qemu.io(dir.resolve("n.qcow2"), "qcow2", zeroes.toArray(String[]::new));
        long size = Files.size(dir.resolve("n.qcow2"));
        assertEquals(0, size % 65536, "the file ends at a cluster's end");
        assertMostlyHoles("n.qcow2", size);
    }

    /**
     * Zero clusters of an overlay read as zeroes, not as the backing file: a write into one
     * past the file's end gets only its data (the backing file's bytes never show around it).
     */
    @Test
    void zeroClustersOfAnOverlayGetOnlyTheirData() throws Exception {
        Qemu.img(dir, "create", "-f", "raw", "b.raw", "2M");
        Qemu.io(dir.resolve("b.raw"), "raw", "write -P 7 0 2M");
        Qemu.img(dir, "create", "-f", "qcow2", "-b", "b.raw", "-F", "raw", "z.qcow2");
        Qemu.io(dir.resolve("z.qcow2"), "qcow2", "write -z 1M 1M"); // 16 zero clusters over the 7s
        String before = map("z.qcow2");
        assertTrue(before.matches("(?s).*\\{\"start\":1048576,\"length\":1048576,\"depth\":0,\"present\":true,"
                + "\"zero\":true,\"data\":false.*"), before);
        ByteBuffer data = WriteWorkload.pattern(4096, 6);
        try (BlockImage img = openWritable("z.qcow2")) {
            writeIntoSixteenClusters(img, 1L << 20, data);
        }
        Qemu.img(dir, "check", "z.qcow2");
        List<String> reads = new ArrayList<>(List.of("read -P 7 0 1M"));
        reads.addAll(zeroesAroundTheData(1L << 20));
        Qemu.io(dir.resolve("z.qcow2"), "qcow2", reads.toArray(String[]::new));
        List<Long> written = new ArrayList<>();
        for (int k = 0; k < 16; k++) {
            written.add((1L << 20) + k * 65536L + 4096);
        }
        assertConvertedHolds("z.qcow2", data, written);
        assertMostlyHoles("z.qcow2", Files.size(dir.resolve("z.qcow2")));
    }

    /**
     * An overlay over the holes of its backing file (sparse raw, or unallocated qcow2
     * clusters): a new cluster past the file's end there gets only its data, as where there is
     * no backing file; over the backing file's data the rest of the cluster is still copied.
     */
    @Test
    void overlayClustersOverBackingHolesGetOnlyTheirData() throws Exception {
        Qemu.img(dir, "create", "-f", "raw", "b.raw", "2M");
        Qemu.io(dir.resolve("b.raw"), "raw", "write -P 7 0 1M"); // the second MiB stays a hole
        Qemu.img(dir, "create", "-f", "qcow2", "b.qcow2", "2M");
        Qemu.io(dir.resolve("b.qcow2"), "qcow2", "write -P 7 0 1M"); // the second MiB stays unallocated
        ByteBuffer data = WriteWorkload.pattern(4096, 6);
        for (String backing : List.of("raw", "qcow2")) {
            String overlay = "over-" + backing + ".qcow2";
            Qemu.img(dir, "create", "-f", "qcow2", "-b", "b." + backing, "-F", backing, overlay);
            try (BlockImage img = openWritable(overlay)) {
                writeIntoSixteenClusters(img, 1L << 20, data);
                Futures.await(img.write(65536 + 4096, data.duplicate())); // over the 7s
            }
            Qemu.img(dir, "check", overlay);
            List<String> reads = new ArrayList<>(List.of("read -P 7 0 69632", "read -P 7 73728 974848"));
            reads.addAll(zeroesAroundTheData(1L << 20));
            Qemu.io(dir.resolve(overlay), "qcow2", reads.toArray(String[]::new));
            assertConvertedHolds(overlay, data,
                    List.of(65536L + 4096, (1L << 20) + 4096, (1L << 20) + 15 * 65536L + 4096));
            assertMostlyHoles(overlay, Files.size(dir.resolve(overlay)));
        }
    }

    /** 4 KiB of {@code data} at 4 KiB into each of the 16 clusters (64 KiB) from {@code first}. */
    private static void writeIntoSixteenClusters(BlockImage img, long first, ByteBuffer data) throws Exception {
        for (int k = 0; k < 16; k++) {
            Futures.await(img.write(first + k * 65536L + 4096, data.duplicate()));
        }
    }

    /** qemu-io reads of zeroes around what {@link #writeIntoSixteenClusters} wrote from {@code first}. */
    private static List<String> zeroesAroundTheData(long first) {
        List<String> reads = new ArrayList<>();
        for (int k = 0; k < 16; k++) {
            long cluster = first + k * 65536L;
            reads.add("read -P 0 " + cluster + " 4096");
            reads.add("read -P 0 " + (cluster + 8192) + " 57344");
        }
        return reads;
    }

    /** The image as `qemu-img convert` gives it holds {@code data} at each of {@code offsets}. */
    private void assertConvertedHolds(String image, ByteBuffer data, List<Long> offsets) throws Exception {
        Qemu.img(dir, "convert", "-O", "raw", image, "converted.raw");
        try (FileChannel raw = FileChannel.open(dir.resolve("converted.raw"))) {
            for (long at : offsets) {
                ByteBuffer got = ByteBuffer.allocate(data.capacity());
                raw.read(got, at);
                assertEquals(data.duplicate().rewind(), got.flip(), image + ": the data written at " + at);
            }
        }
    }

    /** At least 8 of the 16 clusters written 4 KiB each keep 56 KiB unwritten: the file has that much less on disk. */
    private void assertMostlyHoles(String image, long size) throws Exception {
        long allocated = Long.parseLong(Tool.ok(dir, "stat", "-c", "%b", image).trim()) * 512;
        assertTrue(allocated <= size - 8 * 57344, allocated + " bytes on disk of " + size);
    }

    /** A partial write into a compressed cluster: decompressed, rewritten elsewhere, the compressed sectors released. */
    @Test
    void compressedClusterIsRewrittenAndReleased() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "c.qcow2", "1M");
        Qemu.io(dir.resolve("c.qcow2"), "qcow2", "write -c -P 3 0 64k", "write -c -P 4 64k 64k");
        assertEquals(100, compressedPercent("c.qcow2"));
        try (BlockImage img = openWritable("c.qcow2")) {
            Futures.await(img.write(1000, ByteBuffer.allocateDirect(10)));
        }
        assertEquals(50, compressedPercent("c.qcow2"));
        Qemu.img(dir, "check", "c.qcow2");
        Qemu.io(dir.resolve("c.qcow2"), "qcow2", "read -P 3 0 1000", "read -P 0 1000 10", "read -P 3 1010 64526",
                "read -P 4 64k 64k");
    }

    private int compressedPercent(String image) throws Exception {
        String out = Tool.ok(dir, "qemu-img", "check", image);
        Matcher m = Pattern.compile("([0-9.]+)% compressed clusters").matcher(out);
        assertTrue(m.find(), out);
        return (int) Double.parseDouble(m.group(1));
    }

    /** Writing over a cluster an internal snapshot shares copies it (and its L2 table); the snapshot keeps its data. */
    @Test
    void sharedClusterIsCopiedNotOverwritten() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "s.qcow2", "1M");
        Qemu.io(dir.resolve("s.qcow2"), "qcow2", "write -P 5 0 128k");
        Qemu.img(dir, "snapshot", "-c", "snap", "s.qcow2");
        try (BlockImage img = openWritable("s.qcow2")) {
            Futures.await(img.write(70_000, ByteBuffer.allocateDirect(100)));
            Futures.await(img.discard(0, 65536));
        }
        Qemu.img(dir, "check", "s.qcow2");
        Qemu.io(dir.resolve("s.qcow2"), "qcow2", "read -P 0 0 64k", "read -P 5 64k 4464", "read -P 0 70000 100",
                "read -P 5 70100 60972");
        Path snap = Qemu.snapshotToRaw(dir.resolve("s.qcow2"), "snap", dir, "s.qcow2" + "." + "snap" + ".expected.raw");
        Qemu.io(dir.resolve(snap.toString()), "raw", "read -P 5 0 128k", "read -P 0 128k 896k");
    }

    /** v3 zero writes: the zero flag; with unmap the cluster is released, without it stays allocated. */
    @Test
    void zeroWritesUseTheZeroFlag() throws Exception {
        Qemu.img(dir, "create", "-f", "raw", "b.raw", "1M");
        Qemu.io(dir.resolve("b.raw"), "raw", "write -P 1 0 1M");
        Qemu.img(dir, "create", "-f", "qcow2", "-b", "b.raw", "-F", "raw", "z.qcow2", "1M");
        Qemu.io(dir.resolve("z.qcow2"), "qcow2", "write -P 2 0 256k");
        try (BlockImage img = openWritable("z.qcow2")) {
            Futures.await(img.writeZeroes(0, 65536, false));
            Futures.await(img.writeZeroes(65536, 65536, true));
            Futures.await(img.discard(512 << 10, 65536)); // over backing data: must not show it
        }
        String map = map("z.qcow2");
        assertTrue(map.contains("{\"start\":0,\"length\":65536,\"depth\":0,\"present\":true,\"zero\":true,"
                + "\"data\":false,\"offset\""), "zero flag, cluster kept: " + map);
        assertTrue(map.contains("{\"start\":65536,\"length\":65536,\"depth\":0,\"present\":true,\"zero\":true,"
                + "\"data\":false}"), "zero flag, cluster released: " + map);
        Qemu.img(dir, "check", "z.qcow2");
        Qemu.io(dir.resolve("z.qcow2"), "qcow2", "read -P 0 0 128k", "read -P 2 128k 128k", "read -P 1 256k 256k",
                "read -P 0 512k 64k", "read -P 1 576k 448k");
    }

    /** v2 has no zero flag: with a backing file zeroes are written as data. */
    @Test
    void version2ZeroWritesOverBackingWriteData() throws Exception {
        Qemu.img(dir, "create", "-f", "raw", "b.raw", "1M");
        Qemu.io(dir.resolve("b.raw"), "raw", "write -P 1 0 1M");
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "compat=0.10", "-b", "b.raw", "-F", "raw", "v2.qcow2", "1M");
        try (BlockImage img = openWritable("v2.qcow2")) {
            Futures.await(img.discard(64 << 10, 128 << 10));
            Futures.await(img.writeZeroes(300_000, 5000, true));
        }
        Qemu.img(dir, "check", "v2.qcow2");
        Qemu.io(dir.resolve("v2.qcow2"), "qcow2", "read -P 1 0 64k", "read -P 0 64k 128k", "read -P 1 192k 103392",
                "read -P 0 300000 5000", "read -P 1 305000 743576");
    }

    /** A discard over hundreds of L2 tables (512-byte clusters) is committed table by table. */
    @Test
    void hugeDiscardAcrossManyTables() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=512,preallocation=metadata", "h.qcow2", "8M");
        Qemu.io(dir.resolve("h.qcow2"), "qcow2", "write -P 7 0 8M");
        Qemu.img(dir, "snapshot", "-c", "keep", "h.qcow2");
        try (BlockImage img = openWritable("h.qcow2")) {
            Futures.await(img.discard(100, (8 << 20) - 1000));
            Futures.await(img.writeZeroes(0, 4 << 20, false));
        }
        Qemu.img(dir, "check", "h.qcow2");
        Qemu.io(dir.resolve("h.qcow2"), "qcow2", "read -P 0 0 8387708", "read -P 7 8387708 900");
        Path snap = Qemu.snapshotToRaw(dir.resolve("h.qcow2"), "keep", dir, "h.qcow2" + "." + "keep" + ".expected.raw");
        Qemu.io(dir.resolve(snap.toString()), "raw", "read -P 7 0 8M");
    }

    /** data_file_raw: the data file itself is the disk, byte for byte. */
    @Test
    void rawExternalDataFileHoldsTheDisk() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "data_file=d.bin,data_file_raw=on", "e.qcow2", "1M");
        try (BlockImage img = openWritable("e.qcow2")) {
            Futures.await(img.write(12345, WriteWorkload.pattern(100_000, 9)));
            Futures.await(img.writeZeroes(65536, 65536, true));
        }
        Qemu.img(dir, "check", "e.qcow2");
        Qemu.img(dir, "compare", "-f", "qcow2", "-F", "raw", "e.qcow2", "d.bin");
    }
}
