package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.aiofs.image.open.ImageOpener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random write workloads through the driver, on every kind of qcow2 image, side by side
 * with a raw model; QEMU then judges: `qemu-img check` finds nothing (no error, no leak)
 * and `qemu-img compare` finds the image equal to the model.
 */
class Qcow2WriteTest extends EngineTestBase {
    @TempDir
    Path dir;

    /** The model starts as QEMU's view of the image (so backing data and old content count too). */
    private void workload(String image, int clusterSize, int operations, long seed) throws Exception {
        Path model = Qemu.toRaw(dir.resolve(image));
        ImageOpener opener = new ImageOpener(engine);
        try (BlockImage img = opener.open(dir.resolve(image), "qcow2", false);
                BlockImage raw = opener.open(model, "raw", false)) {
            assertFalse(img.readOnly());
            new WriteWorkload(seed, clusterSize).run(img, raw, operations);
            DiskComparison.assertSameAsRaw(img, model);
        }
        assertCleanAndEqual(image, model);
    }

    private void assertCleanAndEqual(String image, Path model) throws Exception {
        Qemu.img(dir, "check", image);
        Qemu.img(dir, "compare", "-f", "qcow2", "-F", "raw", image, model.toString());
    }

    @Test
    void freshV3() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "a.qcow2", "64M");
        workload("a.qcow2", 65536, 150, 1);
    }

    @Test
    void version2() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "compat=0.10", "v2.qcow2", "32M");
        workload("v2.qcow2", 65536, 120, 2);
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096, 2 << 20})
    void clusterSizes(int cs) throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=" + cs, "c.qcow2", "24M");
        workload("c.qcow2", cs, 100, cs);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8, 32, 64})
    void refcountWidths(int bits) throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "refcount_bits=" + bits + ",cluster_size=4096", "r.qcow2", "16M");
        workload("r.qcow2", 4096, 80, bits);
    }

    @Test
    void smallClustersGrowTheRefcountTable() throws Exception {
        // 512-byte clusters and 64-bit refcounts: a block counts 64 clusters, the table 64 blocks
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "refcount_bits=64,cluster_size=512", "g.qcow2", "8M");
        workload("g.qcow2", 512, 60, 7);
    }

    /** Preallocated clusters are written in place; zero writes keep or release them. */
    @ParameterizedTest
    @ValueSource(strings = {"metadata", "falloc", "full"})
    void preallocated(String mode) throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "preallocation=" + mode + ",cluster_size=4096,refcount_bits=64",
                "p.qcow2", "8M");
        workload("p.qcow2", 4096, 80, 13);
    }

    @Test
    void backingFile() throws Exception {
        Qemu.img(dir, "create", "-f", "raw", "base.raw", "32M");
        Qemu.io(dir.resolve("base.raw"), "raw", "write -P 0x5a 0 32M");
        Qemu.img(dir, "create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", "o.qcow2", "32M");
        workload("o.qcow2", 65536, 120, 3);
    }

    @Test
    void version2WithBacking() throws Exception {
        Qemu.img(dir, "create", "-f", "raw", "base.raw", "16M");
        Qemu.io(dir.resolve("base.raw"), "raw", "write -P 0x5a 0 16M");
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "compat=0.10", "-b", "base.raw", "-F", "raw", "o2.qcow2", "16M");
        workload("o2.qcow2", 65536, 80, 4);
    }

    @Test
    void compressedClusters() throws Exception {
        Path src = dir.resolve("src.raw");
        try (var out = Files.newOutputStream(src)) {
            out.write(WriteWorkloadBytes.mixed(16 << 20));
        }
        Qemu.img(dir, "convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=4096", src.toString(),
                "z.qcow2");
        workload("z.qcow2", 4096, 120, 5);
    }

    @Test
    void extendedL2WithBacking() throws Exception {
        Qemu.img(dir, "create", "-f", "raw", "base.raw", "16M");
        Qemu.io(dir.resolve("base.raw"), "raw", "write -P 0x77 0 16M");
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "extended_l2=on,cluster_size=65536", "-b", "base.raw", "-F", "raw",
                "x.qcow2", "16M");
        workload("x.qcow2", 65536, 120, 6);
    }

    @Test
    void extendedL2Compressed() throws Exception {
        Path src = dir.resolve("src.raw");
        try (var out = Files.newOutputStream(src)) {
            out.write(WriteWorkloadBytes.mixed(8 << 20));
        }
        Qemu.img(dir, "convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "extended_l2=on,cluster_size=16384",
                src.toString(), "xc.qcow2");
        workload("xc.qcow2", 16384, 80, 8);
    }

    @Test
    void lazyRefcounts() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "lazy_refcounts=on", "l.qcow2", "16M");
        workload("l.qcow2", 65536, 80, 9);
        assertFalse(Tool.ok(dir, "qemu-img", "info", "l.qcow2").contains("dirty"), "dirty bit cleared");
    }

    @ParameterizedTest
    @ValueSource(strings = {"on", "off"})
    void externalDataFile(String raw) throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "data_file=data.bin,data_file_raw=" + raw, "d.qcow2", "16M");
        Qemu.io(dir.resolve("d.qcow2"), "qcow2", "write -P 0x42 1M 3M");
        workload("d.qcow2", 65536, 80, 10);
    }

    @Test
    void internalSnapshotStaysUnchanged() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=4096", "s.qcow2", "16M");
        Qemu.io(dir.resolve("s.qcow2"), "qcow2", "write -P 0x11 0 6M", "write -P 0x22 10M 2M", "write -c -P 0x33 14M 1M");
        Qemu.img(dir, "snapshot", "-c", "before", "s.qcow2");
        Path snapshotBefore = Qemu.snapshotToRaw(dir.resolve("s.qcow2"), "before", dir, "s.qcow2" + "." + "before" + ".expected.raw");
        byte[] expected = Files.readAllBytes(snapshotBefore);
        Files.move(snapshotBefore, dir.resolve("before.kept.raw"));
        workload("s.qcow2", 4096, 120, 11);
        Path snapshotAfter = Qemu.snapshotToRaw(dir.resolve("s.qcow2"), "before", dir, "s.qcow2" + "." + "before" + ".expected.raw");
        assertArrayEquals(expected, Files.readAllBytes(snapshotAfter), "the snapshot's content did not change");
    }
}
