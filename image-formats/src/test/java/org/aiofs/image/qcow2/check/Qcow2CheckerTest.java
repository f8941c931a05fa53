package org.aiofs.image.qcow2.check;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.aiofs.image.CheckResult;
import org.aiofs.image.RepairMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The checker against {@code qemu-img check} on the same files: images QEMU made must come
 * out as QEMU judges them (exit code and every count), hand-damaged ones too, and a repair
 * must leave an image qemu-img finds clean.
 */
class Qcow2CheckerTest {
    @TempDir
    Path dir;

    private final StringWriter messages = new StringWriter();

    private CheckResult check(String image, RepairMode mode) throws IOException {
        return Qcow2Checker.check(dir.resolve(image), mode, new PrintWriter(messages));
    }

    /** Same exit code and the same counts as qemu-img check --output=json. */
    private CheckResult assertSameAsQemu(String image) throws Exception {
        Qemu.Verdict q = Qemu.check(dir.resolve(image));
        CheckResult r = check(image, RepairMode.NONE);
        String what = image + " (ours: " + r + ", qemu: " + q.json() + ", messages: " + messages + ")";
        assertEquals(q.exit(), r.exitCode(), what);
        assertEquals(q.count("check-errors"), r.checkErrors(), what);
        assertEquals(q.count("corruptions"), r.corruptions(), what);
        assertEquals(q.count("leaks"), r.leaks(), what);
        assertEquals(q.count("image-end-offset"), r.imageEndOffset(), what);
        assertEquals(q.count("total-clusters"), r.totalClusters(), what);
        assertEquals(q.count("allocated-clusters"), r.allocatedClusters(), what);
        assertEquals(q.count("fragmented-clusters"), r.fragmentedClusters(), what);
        assertEquals(q.count("compressed-clusters"), r.compressedClusters(), what);
        return r;
    }

    private void qemuImg(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "qemu-img";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Tool.ok(dir, cmd);
    }

    /** Data, zeroes, discards and two internal snapshots with the active disk diverging after each. */
    private void withDataAndSnapshots(String image, String options) throws Exception {
        qemuImg("create", "-q", "-f", "qcow2", "-o", options, image, "64M");
        Qemu.io(dir.resolve(image), "qcow2", "write -P 1 0 3M", "write -P 2 10M 100k", "write -z 20M 1M");
        qemuImg("snapshot", "-c", "s1", image);
        Qemu.io(dir.resolve(image), "qcow2", "write -P 3 1M 2M", "discard 10M 64k");
        qemuImg("snapshot", "-c", "s2", image);
        Qemu.io(dir.resolve(image), "qcow2", "write -P 4 30M 1M", "write -P 5 40M 5k");
    }

    static Stream<Arguments> qemuMadeImages() {
        return Stream.of(
                Arguments.of("default", "cluster_size=65536"),
                Arguments.of("v2", "compat=0.10"),
                Arguments.of("small clusters", "cluster_size=4096"),
                Arguments.of("512-byte clusters", "cluster_size=512"),
                Arguments.of("refcount 2", "refcount_bits=2,cluster_size=4096"),
                Arguments.of("refcount 4", "refcount_bits=4"),
                Arguments.of("refcount 8", "refcount_bits=8"),
                Arguments.of("refcount 32", "refcount_bits=32"),
                Arguments.of("refcount 64", "refcount_bits=64,cluster_size=4096"),
                Arguments.of("extended l2", "extended_l2=on,cluster_size=32768"),
                Arguments.of("lazy refcounts", "lazy_refcounts=on"),
                Arguments.of("zstd", "compression_type=zstd,cluster_size=16384"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("qemuMadeImages")
    void qemuMadeImagesWithSnapshotsAreCleanWithQemusCounts(String name, String options) throws Exception {
        withDataAndSnapshots("a.qcow2", options);
        CheckResult r = assertSameAsQemu("a.qcow2");
        assertEquals(0, r.exitCode(), messages.toString());
        assertTrue(r.allocatedClusters() > 0);
    }

    /** 1-bit refcounts can't count a snapshot's sharing: QEMU's snapshot fails half-way and leaks. */
    @Test
    void oneBitRefcountsWithSnapshotAttemptMatchQemu() throws Exception {
        qemuImg("create", "-q", "-f", "qcow2", "-o", "refcount_bits=1,cluster_size=4096", "a.qcow2", "16M");
        Qemu.io(dir.resolve("a.qcow2"), "qcow2", "write -P 5 0 5M");
        Tool.run(dir, "qemu-img", "snapshot", "-c", "s", "a.qcow2");
        Qemu.io(dir.resolve("a.qcow2"), "qcow2", "write -P 6 1M 1M");
        assertSameAsQemu("a.qcow2");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"zlib", "zstd"})
    void compressedClustersAreCountedAsQemuCountsThem(String type) throws Exception {
        withDataAndSnapshots("a.qcow2", "cluster_size=65536");
        // 4 KiB clusters: compressed data crosses host cluster boundaries
        qemuImg("convert", "-c", "-O", "qcow2", "-o", "compression_type=" + type + ",cluster_size=4096", "a.qcow2",
                "c.qcow2");
        CheckResult r = assertSameAsQemu("c.qcow2");
        assertTrue(r.compressedClusters() > 0, r.toString());
    }

    @Test
    void backingChainAndExternalDataFileAndBitmaps() throws Exception {
        withDataAndSnapshots("base.qcow2", "cluster_size=65536");
        qemuImg("create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2");
        Qemu.io(dir.resolve("top.qcow2"), "qcow2", "write -P 7 5M 1M");
        assertSameAsQemu("top.qcow2");
        qemuImg("create", "-q", "-f", "qcow2", "-o", "data_file=ext.data", "ext.qcow2", "16M");
        Qemu.io(dir.resolve("ext.qcow2"), "qcow2", "write -P 7 5M 1M");
        CheckResult ext = assertSameAsQemu("ext.qcow2");
        assertEquals(16, ext.allocatedClusters());
        qemuImg("create", "-q", "-f", "qcow2", "bm.qcow2", "16M");
        qemuImg("bitmap", "--add", "bm.qcow2", "b0");
        Qemu.io(dir.resolve("bm.qcow2"), "qcow2", "write -P 7 5M 1M");
        assertEquals(0, assertSameAsQemu("bm.qcow2").exitCode(), messages.toString());
    }

    private void plainImage(String image, String options) throws Exception {
        qemuImg("create", "-q", "-f", "qcow2", "-o", options, image, "64M");
        Qemu.io(dir.resolve(image), "qcow2", "write -P 1 0 3M", "write -P 2 10M 100k");
    }

    private Path copy(String from, String to) throws IOException {
        return Files.copy(dir.resolve(from), dir.resolve(to), StandardCopyOption.REPLACE_EXISTING);
    }

    @ParameterizedTest(name = "refcount_bits={0}")
    @ValueSource(ints = {1, 16, 64})
    void raisedRefcountIsALeakAndRepairLeavesItClean(int bits) throws Exception {
        int clusterSize = bits == 64 ? 65536 : 4096;
        plainImage("a.qcow2", "refcount_bits=" + bits + ",cluster_size=" + clusterSize);
        Path a = dir.resolve("a.qcow2");
        if (bits > 1) {
            // the header cluster: no COPIED flag depends on it, so this is a leak and nothing else
            RefcountEditor.set(a, 0, 2);
        }
        long clusters = (Files.size(a) + clusterSize - 1) / clusterSize;
        try (RandomAccessFile f = new RandomAccessFile(a.toFile(), "rw")) {
            f.setLength((clusters + 2) * clusterSize);
        }
        RefcountEditor.set(a, clusters + 1, 1); // unreferenced, inside the file
        copy("a.qcow2", "q.qcow2");
        CheckResult r = assertSameAsQemu("a.qcow2");
        assertEquals(CheckResult.EXIT_LEAKS, r.exitCode());
        assertEquals(bits == 1 ? 1 : 2, r.leaks());
        assertEquals((clusters + 2) * clusterSize, r.imageEndOffset());

        CheckResult repaired = check("a.qcow2", RepairMode.LEAKS);
        assertEquals(0, repaired.exitCode(), messages.toString());
        assertEquals(r.leaks(), repaired.leaksFixed());
        assertEquals(0, Qemu.check(dir.resolve("a.qcow2")).exit());
        // qemu-img check -r leaks on the other copy writes the very same bytes
        assertEquals(0, Qemu.check(dir.resolve("q.qcow2"), "-r", "leaks").exit());
        assertArrayEquals(Files.readAllBytes(dir.resolve("q.qcow2")), Files.readAllBytes(dir.resolve("a.qcow2")));
    }

    @Test
    void leakedClusterAppendedAtEndOfFile() throws Exception {
        plainImage("a.qcow2", "cluster_size=65536");
        Path a = dir.resolve("a.qcow2");
        long clusters = (Files.size(a) + 65535) / 65536;
        try (RandomAccessFile f = new RandomAccessFile(a.toFile(), "rw")) {
            f.setLength((clusters + 1) * 65536);
        }
        RefcountEditor.set(a, clusters, 1);
        CheckResult r = assertSameAsQemu("a.qcow2");
        assertEquals(CheckResult.EXIT_LEAKS, r.exitCode());
        assertEquals(1, r.leaks());
        assertEquals((clusters + 1) * 65536, r.imageEndOffset());
        CheckResult repaired = check("a.qcow2", RepairMode.LEAKS);
        assertEquals(0, repaired.exitCode());
        assertEquals(1, repaired.leaksFixed());
        assertEquals(0, RefcountEditor.get(a, clusters));
        assertEquals(0, Qemu.check(dir.resolve("a.qcow2")).exit());
    }

    @ParameterizedTest(name = "refcount_bits={0}")
    @ValueSource(ints = {1, 16, 64})
    void loweredRefcountIsCorruption(int bits) throws Exception {
        plainImage("a.qcow2", "refcount_bits=" + bits + ",cluster_size=4096");
        Path a = dir.resolve("a.qcow2");
        // cluster 3 is an L2 table or data; 10 more clusters on: guest data
        RefcountEditor.set(a, 3, 0);
        RefcountEditor.set(a, 20, 0);
        CheckResult r = assertSameAsQemu("a.qcow2");
        assertEquals(CheckResult.EXIT_CORRUPT, r.exitCode());

        // repair=leaks never raises a refcount: still corrupt
        CheckResult leaksOnly = check("a.qcow2", RepairMode.LEAKS);
        assertEquals(CheckResult.EXIT_CORRUPT, leaksOnly.exitCode());
        assertEquals(1, RefcountEditor.get(a, 20) == 0 ? 1 : 0);

        CheckResult repaired = check("a.qcow2", RepairMode.ALL);
        assertEquals(0, repaired.exitCode(), messages.toString());
        assertTrue(repaired.corruptionsFixed() >= 2, repaired.toString());
        assertEquals(0, Qemu.check(dir.resolve("a.qcow2")).exit());
    }

    @Test
    void copiedFlagMismatchIsCorruptionAndRepairFixesIt() throws Exception {
        plainImage("a.qcow2", "cluster_size=65536");
        Path a = dir.resolve("a.qcow2");
        long l1 = readLong(a, 40);
        long l2 = readLong(a, l1) & ReferenceWalk.L1_OFFSET_MASK;
        long entry = readLong(a, l2);
        writeLong(a, l2, entry & ~(1L << 63));
        CheckResult r = assertSameAsQemu("a.qcow2");
        assertEquals(CheckResult.EXIT_CORRUPT, r.exitCode());
        assertEquals(1, r.corruptions());
        assertTrue(messages.toString().contains("ERROR OFLAG_COPIED data cluster"), messages.toString());
        CheckResult repaired = check("a.qcow2", RepairMode.LEAKS);
        assertEquals(0, repaired.exitCode(), messages.toString());
        assertEquals(1, repaired.corruptionsFixed());
        assertEquals(entry, readLong(a, l2));
        assertEquals(0, Qemu.check(dir.resolve("a.qcow2")).exit());
    }

    @Test
    void referencesPastTheEndAndMisalignedOffsetsAreCorruptions() throws Exception {
        plainImage("a.qcow2", "cluster_size=65536");
        Path a = dir.resolve("a.qcow2");
        long l1 = readLong(a, 40);
        long l2 = readLong(a, l1) & ReferenceWalk.L1_OFFSET_MASK;
        writeLong(a, l2 + 8, (1L << 63) | (1L << 40)); // data far past the end of the file
        writeLong(a, l2 + 16, (1L << 63) | (readLong(a, l2 + 16) & 0x00ff_ffff_ffff_fe00L) + 512); // misaligned
        CheckResult r = assertSameAsQemu("a.qcow2");
        assertEquals(CheckResult.EXIT_CORRUPT, r.exitCode());
    }

    @Test
    void dirtyLazyRefcountImageKilledMidWayIsRepairedByAPlainRepair() throws Exception {
        qemuImg("create", "-q", "-f", "qcow2", "-o", "lazy_refcounts=on", "a.qcow2", "64M");
        // qemu-io kills itself: the refcounts of what it wrote never reach the disk
        Tool.run(dir, "qemu-io", "-f", "qcow2", "-c", "write -P 1 0 3M", "-c", "write -P 2 10M 100k",
                "-c", "sigraise 9", "a.qcow2");
        assertTrue(Qemu.info(dir.resolve("a.qcow2")).get("dirty-flag").asBoolean());
        CheckResult r = assertSameAsQemu("a.qcow2");
        assertEquals(CheckResult.EXIT_CORRUPT, r.exitCode());
        CheckResult repaired = check("a.qcow2", RepairMode.LEAKS);
        assertEquals(0, repaired.exitCode(), messages.toString());
        assertEquals(0, Qemu.check(dir.resolve("a.qcow2")).exit());
        assertEquals(false, Qemu.info(dir.resolve("a.qcow2")).get("dirty-flag").asBoolean());
        Qemu.io(dir.resolve("a.qcow2"), "qcow2", "read -P 1 0 3M", "read -P 2 10M 100k");
    }

    /** One hand edit of a table entry; the offsets are read from the header of the damaged copy. */
    interface Damage {
        void apply(Path image, long l1, long reftable, long snapshots) throws IOException;
    }

    static Stream<Arguments> damagedTables() {
        return Stream.<Arguments>of(
                Arguments.of("refcount block unaligned", (Damage) (p, l1, rt, sn) -> writeLong(p, rt, readLong(p, rt) + 512)),
                Arguments.of("refcount block outside the image", (Damage) (p, l1, rt, sn) -> writeLong(p, rt + 8, 1L << 40)),
                Arguments.of("refcount table emptied", (Damage) (p, l1, rt, sn) -> writeLong(p, rt, 0)),
                Arguments.of("L2 table unaligned", (Damage) (p, l1, rt, sn) -> writeLong(p, l1, readLong(p, l1) + 512)),
                Arguments.of("L2 table past the end", (Damage) (p, l1, rt, sn) -> writeLong(p, l1, (1L << 63) | (1L << 40))),
                Arguments.of("L1 reserved bits", (Damage) (p, l1, rt, sn) -> {
                    writeLong(p, l1, readLong(p, l1) | (1L << 60) | 1);
                    writeLong(p, l1 + 8, 1L << 61);
                }),
                Arguments.of("snapshot L1 unaligned", (Damage) (p, l1, rt, sn) -> writeLong(p, sn, readLong(p, sn) + 512)),
                Arguments.of("snapshot L1 past the end", (Damage) (p, l1, rt, sn) -> writeLong(p, sn, 1L << 40)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damagedTables")
    void damagedTablesAreJudgedAsQemuJudgesThem(String name, Damage damage) throws Exception {
        withDataAndSnapshots("a.qcow2", "cluster_size=65536");
        Path a = dir.resolve("a.qcow2");
        damage.apply(a, readLong(a, 40), readLong(a, 48), readLong(a, 64));
        CheckResult r = assertSameAsQemu("a.qcow2");
        assertTrue(r.exitCode() == 1 || r.exitCode() == 2, r.toString());
    }

    @Test
    void unreadableHeaderIsACheckFailure() throws Exception {
        Files.write(dir.resolve("bad.qcow2"), new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 9});
        assertEquals(1, Tool.run(dir, "qemu-img", "check", "bad.qcow2").exitCode());
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> check("bad.qcow2", RepairMode.NONE));
        assertTrue(e.getMessage().contains("bad.qcow2"), e.getMessage());
    }

    private static long readLong(Path p, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
            f.seek(at);
            return f.readLong();
        }
    }

    private static void writeLong(Path p, long at, long v) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(at);
            f.writeLong(v);
        }
    }
}
