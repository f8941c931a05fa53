package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.aio.IoEngine;
import org.aiofs.aio.engine.Engines;
import org.aiofs.image.BlockImage;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.cache.MetadataCache;
import org.aiofs.testing.Qemu;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * qcow2 opened O_DIRECT (cache=none) on ext4, where unaligned requests are refused by the
 * kernel: metadata writes of a few bytes, 512-byte clusters, compressed clusters read at
 * any offset, copy-on-write from a buffered backing file. A random workload side by side
 * with a raw model; QEMU judges the result.
 */
class Qcow2DirectIoTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"plain,threadpool", "plain,io_uring", "small-clusters,io_uring", "extended-backing,threadpool",
            "compressed-snapshot,io_uring", "small-clusters,linux-aio"})
    void workloadThroughODirect(String kind, String engineName) throws Exception {
        int cs = 65536;
        switch (kind) {
            case "plain" -> Qemu.img(dir, "create", "-f", "qcow2", "i.qcow2", "32M");
            case "small-clusters" -> {
                cs = 512;
                Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=512,refcount_bits=64", "i.qcow2", "4M");
            }
            case "extended-backing" -> {
                Qemu.img(dir, "create", "-f", "raw", "b.raw", "16M");
                Qemu.io(dir.resolve("b.raw"), "raw", "write -P 9 0 16M");
                Qemu.img(dir, "create", "-f", "qcow2", "-o", "extended_l2=on", "-b", "b.raw", "-F", "raw", "i.qcow2",
                        "16M");
            }
            default -> {
                cs = 4096;
                Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=4096", "i.qcow2", "16M");
                Qemu.io(dir.resolve("i.qcow2"), "qcow2", "write -P 1 0 3M", "write -c -P 2 4M 1M");
                Qemu.img(dir, "snapshot", "-c", "s", "i.qcow2");
            }
        }
        assertTrue(Files.getFileStore(dir).type().startsWith("ext"), "O_DIRECT is checked on ext4, not "
                + Files.getFileStore(dir).type());
        Path model = Qemu.toRaw(dir.resolve("i.qcow2"));
        try (IoEngine engine = Engines.create(engineName)) {
            ImageOpener direct = new ImageOpener(engine, true);
            try (BlockImage img = direct.open(dir.resolve("i.qcow2"), "qcow2", false);
                    BlockImage raw = new ImageOpener(engine).open(model, "raw", false)) {
                new WriteWorkload(kind.hashCode(), cs).run(img, raw, 100);
                DiskComparison.assertSameAsRaw(img, model);
            }
        }
        Qemu.img(dir, "check", "i.qcow2");
        Qemu.img(dir, "compare", "-f", "qcow2", "-F", "raw", "i.qcow2", model.toString());
    }
}
