package org.aiofs.image.vmdk;

import static org.aiofs.image.vmdk.VmdkCorpus.create;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.QemuMap;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * blockStatus agrees with `qemu-img map` on which bytes read as zeroes: unallocated and zeroed
 * grains, the parent's data and holes, holes in flat extent files.
 */
class VmdkBlockStatusTest extends EngineTestBase {
    private static final int UNIT = 4096;

    @TempDir
    Path dir;

    @Test
    void sparseChildOverAParent() throws Exception {
        create(dir, "base.vmdk", "", "4M", "write -P 1 1M 256k", "write -P 2 3M 64k");
        create(dir, "top.vmdk", "backing_file=base.vmdk,backing_fmt=vmdk,zeroed_grain=on", "6M",
                "write -P 3 0 64k", "write -z 1M 64k", "write -P 4 5M 128k");
        assertAgreesWithQemuMap("top.vmdk", 6);
    }

    @Test
    void flatExtentsAcrossFiles() throws Exception {
        create(dir, "flat.vmdk", "subformat=twoGbMaxExtentFlat", "3M", "write -P 1 1M 64k", "write -P 2 2M 8k");
        assertAgreesWithQemuMap("flat.vmdk", 3);
    }

    private void assertAgreesWithQemuMap(String name, int minRuns) throws Exception {
        String map = Tool.ok(dir, "qemu-img", "map", "--output=json", name);
        try (BlockImage img = new ImageOpener(engine).open(dir.resolve(name), null, true)) {
            boolean[] zero = QemuMap.flags(map, img.size(), UNIT, QemuMap.Flag.ZERO);
            int runs = QemuMap.assertStatusMatches(img, zero, UNIT, BlockStatus.Kind.ZERO, map);
            assertTrue(runs >= minRuns, "distinct runs: " + runs + "\n" + map);
        }
    }
}
