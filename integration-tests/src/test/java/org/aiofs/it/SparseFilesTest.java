package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Holes through the mount, judged by QEMU: st_blocks (du) counts what the image stores, as
 * qemu-img map says; on the kernel transport lseek(SEEK_DATA/SEEK_HOLE) shows the same data
 * extents to qemu-img map and cp; libfuse 2 has no lseek, so there every byte is data.
 */
@ExtendWith(NoMountLeftBehind.class)
class SparseFilesTest {
    private static final long SIZE = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void qcow2HolesAndZeroClustersAreHolesThroughTheMount() throws IOException {
        Path image = dir.resolve("vm.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=65536", image.toString(), "64M");
        Qemu.io(image, "qcow2", "write -P 0x61 1M 3M", "write -P 0x62 20M 64k", "write -z 30M 2M",
                "write -P 0x63 63M 1M");
        List<long[]> data = Qemu.dataExtents(image, "qcow2");
        long stored = Qemu.dataBytes(data, 0, SIZE);
        assertEquals((3L << 20) + (64 << 10) + (1L << 20), stored, "what qemu-io wrote");
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            assertEquals(stored / 512, blocks(m.disk()), "st_blocks of disk.raw");
            Tool.Result du = Commands.run("du", "--block-size=1", m.disk().toString()).assertSuccess();
            assertEquals(String.valueOf(stored), du.stdout().split("\\s+")[0], "du of disk.raw");
            assertSeeksShow(data, m.disk());

            Path copy = dir.resolve("copy.raw");
            Commands.run("cp", "--sparse=always", m.disk().toString(), copy.toString()).assertSuccess();
            assertEquals(-1L, Files.mismatch(copy, Qemu.toRaw(image, dir, "expected.raw")), "cp's copy");
            assertTrue(blocks(copy) * 512 <= stored, "the copy is sparse: " + blocks(copy) * 512 + " bytes stored");
        }
    }

    @Test
    void rawImageAndItsPartitionsCountWhatTheFileStores() throws IOException {
        Path image = TestImages.sparseRaw(dir, "disk.img", SIZE);
        SfdiskLayout.write(image, "label: dos\nstart=2048, size=32768, type=83\n"); // part1: [1M, 17M)
        Commands.run("dd", "if=/dev/urandom", "of=" + image, "bs=1M", "seek=4", "count=2", "conv=notrunc")
                .assertSuccess();
        Commands.run("dd", "if=/dev/urandom", "of=" + image, "bs=1M", "seek=40", "count=1", "conv=notrunc")
                .assertSuccess();
        List<long[]> data = Qemu.dataExtents(image, "raw");
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            assertEquals(Qemu.dataBytes(data, 0, SIZE) / 512, blocks(m.disk()), "st_blocks of disk.raw");
            assertEquals(Qemu.dataBytes(data, 1 << 20, 17 << 20) / 512, blocks(m.file("part1.raw")),
                    "st_blocks of part1.raw: the data inside its extent");
            assertSeeksShow(data, m.disk());
        }
    }

    /** qemu-img map on the mounted file (it asks lseek) sees the image's data extents, or all data without lseek. */
    private static void assertSeeksShow(List<long[]> imageData, Path mounted) throws IOException {
        List<long[]> seen = Qemu.dataExtents(mounted, "raw");
        if (Commands.transport().equals("kernel")) {
            assertEquals(render(imageData), render(seen), "data extents through lseek");
        } else {
            assertEquals(List.of("0-" + SIZE), render(seen), "libfuse 2 has no lseek: the whole file is data");
        }
    }

    private static List<String> render(List<long[]> extents) {
        return extents.stream().map(e -> e[0] + "-" + e[1]).toList();
    }

    private static long blocks(Path file) {
        return Long.parseLong(Commands.run("stat", "-c", "%b", file.toString()).assertSuccess().stdout().trim());
    }
}
