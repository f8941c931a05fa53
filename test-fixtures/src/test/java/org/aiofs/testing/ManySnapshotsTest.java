package org.aiofs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixture makes what QEMU accepts: check clean, every snapshot listed and readable. */
class ManySnapshotsTest {
    @TempDir
    Path dir;

    @Test
    void threeThousandSnapshotsAreCleanAndReadable() {
        Path image = ManySnapshots.make(dir, "m.qcow2", "cluster_size=2M", "64M", "write -P 0x11 0 4M", 3000);
        assertEquals(3000, Qemu.info(image).get("snapshots").size());
        Qemu.snapshotToRaw(image, "s2999", dir, "last.raw");
        Qemu.io(dir.resolve("last.raw"), "raw", "read -P 0x11 0 4M", "read -P 0 4M 60M");
    }
}
