package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.aiofs.aio.engine.ThreadPoolEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.io.TempDir;
import org.aiofs.image.open.ImageOpener;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Power cuts, simulated: the writes of a random workload are recorded with the flushes
 * between them, and for many cut points the file a cut could leave (all flushed writes,
 * any subset of the unflushed ones) is handed to `qemu-img check`, which may report
 * leaks but never corruption. This is what the ordering rules are for; a SIGKILL keeps
 * the page cache and cannot show it.
 */
class Qcow2CrashOrderingTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"plain", "v2", "snapshot-compressed", "extended-backing", "tiny-refcounts"})
    void aCutAnywhereLeavesAtMostLeaks(String kind) throws Exception {
        int cs = 4096;
        switch (kind) {
            case "plain" -> Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=4096", "i.qcow2", "8M");
            case "v2" -> Qemu.img(dir, "create", "-f", "qcow2", "-o", "compat=0.10,cluster_size=4096", "i.qcow2", "8M");
            case "snapshot-compressed" -> {
                Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=4096", "i.qcow2", "8M");
                Qemu.io(dir.resolve("i.qcow2"), "qcow2", "write -P 1 0 3M", "write -c -P 2 4M 1M");
                Qemu.img(dir, "snapshot", "-c", "s", "i.qcow2");
            }
            case "extended-backing" -> {
                cs = 16384;
                Qemu.img(dir, "create", "-f", "raw", "b.raw", "8M");
                Qemu.io(dir.resolve("b.raw"), "raw", "write -P 9 0 8M");
                Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=16384,extended_l2=on", "-b", "b.raw", "-F",
                        "raw", "i.qcow2", "8M");
            }
            default -> {
                // 512-byte clusters and 64-bit refcounts: new refcount blocks and table growth all the time
                cs = 512;
                Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=512,refcount_bits=64", "i.qcow2", "4M");
            }
        }
        Path image = dir.resolve("i.qcow2");
        Path base = dir.resolve("base.copy");
        Files.copy(image, base);
        Path model = Qemu.toRaw(dir.resolve("i.qcow2"));
        CrashRecordingEngine engine = new CrashRecordingEngine(new ThreadPoolEngine(2), image);
        try {
            ImageOpener opener = new ImageOpener(engine);
            try (BlockImage img = opener.open(image, "qcow2", false);
                    BlockImage raw = opener.open(model, "raw", false)) {
                new WriteWorkload(kind.hashCode(), cs).run(img, raw, 120);
            }
        } finally {
            engine.close();
        }
        Qemu.img(dir, "check", "i.qcow2");
        int writes = engine.writeCount();
        assertTrue(writes > 100, "the workload wrote metadata (" + writes + " writes)");
        Random random = new Random(kind.hashCode());
        Path crashed = dir.resolve("crashed.qcow2");
        List<Integer> cuts = new ArrayList<>(engine.cutsBeforeFlushes());
        Collections.shuffle(cuts, random);
        cuts = new ArrayList<>(cuts.subList(0, Math.min(40, cuts.size())));
        for (int i = 0; i < 30; i++) {
            cuts.add(random.nextInt(writes + 1));
        }
        for (int cut : cuts) {
            engine.crashImage(base, crashed, cut, random);
            Tool.Result check = Tool.run(dir, "qemu-img", "check", crashed.toString());
            if (check.exitCode() != 0 && check.exitCode() != 3) {
                fail(kind + ": a cut before write " + cut + " of " + writes + " leaves a corrupt image: "
                        + check.describe());
            }
        }
    }
}
