package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.aio.engine.ThreadPoolEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.aiofs.image.QemuMap;
import org.aiofs.image.open.ImageOpener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** blockStatus agrees with `qemu-img map` on which bytes hold data, through the backing chain. */
class Qcow2BlockStatusTest {
    @TempDir
    Path dir;

    @Test
    void matchesQemuImgMap() throws Exception {
        Files.write(dir.resolve("src.raw"), new byte[1 << 20]);
        Qemu.img(dir, "create", "-f", "qcow2", "base.qcow2", "4M");
        Qemu.io(dir.resolve("base.qcow2"), "qcow2", "write -P 1 1M 256k", "write -P 2 3M 64k");
        Qemu.img(dir, "create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2", "6M");
        Qemu.io(dir.resolve("top.qcow2"), "qcow2", "write -P 3 0 64k", "write -z 1M 64k", "write -P 4 5M 128k",
                "write -z 3M 4096");
        String map = Tool.ok(dir, "qemu-img", "map", "--output=json", "top.qcow2");
        int unit = 4096;
        try (ThreadPoolEngine engine = new ThreadPoolEngine(2);
                BlockImage img = new ImageOpener(engine).open(dir.resolve("top.qcow2"), null, true)) {
            boolean[] data = QemuMap.flags(map, img.size(), unit, QemuMap.Flag.DATA);
            int runs = QemuMap.assertStatusMatches(img, data, unit, BlockStatus.Kind.DATA, map);
            assertTrue(runs >= 7, "distinct runs: " + runs);
        }
    }
}
