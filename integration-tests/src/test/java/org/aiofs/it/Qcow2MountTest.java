package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** qcow2 images made by QEMU, mounted: every file reads exactly what qemu-img convert produces. */
@ExtendWith(NoMountLeftBehind.class)
class Qcow2MountTest {
    @TempDir
    Path dir;

    @Test
    void plainImageIsProbedAndReadsAsQemuConvertsIt() throws IOException {
        Path image = dir.resolve("vm.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", image.toString(), "64M");
        Qemu.io(image, "qcow2", "write -P 0x61 0 1M", "write -P 0x62 3000000 777777", "write -z 512k 64k",
                "discard 5M 128k", "write -P 0x63 63M 1M");
        assertMountMatches(image, "disk.raw", Qemu.toRaw(image, dir, "expected.raw"));
    }

    @Test
    void compressedImageOverABackingChain() throws IOException {
        Path base = dir.resolve("base.raw");
        TestImages.randomRaw(dir, "base.raw", 16L << 20, 5);
        Path mid = dir.resolve("mid.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-b", "base.raw", "-F", "raw", mid.toString(), "32M");
        Qemu.io(mid, "qcow2", "write -P 0x71 1M 2M", "write -z 4M 1M");
        Path top = dir.resolve("top.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", "-o", "extended_l2=on",
                top.toString(), "32M");
        Qemu.io(top, "qcow2", "write -P 0x72 1536k 4k", "write -P 0x73 20M 100k");
        assertMountMatches(top, "disk.raw", Qemu.toRaw(top, dir, "expected.raw"));

        Path compressed = dir.resolve("compressed.qcow2");
        Qemu.img("convert", "-c", "-O", "qcow2", "-o", "compression_type=zstd", top.toString(),
                compressed.toString());
        assertMountMatches(compressed, "disk.raw", Qemu.toRaw(top, dir, "expected2.raw"));
    }

    @Test
    void snapshotsAreFilesWithTheirOwnContent() throws IOException {
        Path image = dir.resolve("snap.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "16M");
        Qemu.io(image, "qcow2", "write -P 0x01 0 4M");
        Qemu.img("snapshot", "-c", "first", image.toString());
        Qemu.io(image, "qcow2", "write -P 0x02 1M 4M");
        Qemu.img("snapshot", "-c", "second", image.toString());
        Qemu.io(image, "qcow2", "write -z 0 8M");
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            assertEquals(List.of("first.raw", "second.raw"), TestImages.list(m.file("snapshots")));
            assertEquals(-1L, Files.mismatch(m.disk(), Qemu.toRaw(image, dir, "active.raw")));
            assertEquals(-1L, Files.mismatch(m.file("snapshots/first.raw"),
                    Qemu.snapshotToRaw(image, "first", dir, "first.raw")));
            assertEquals(-1L, Files.mismatch(m.file("snapshots/second.raw"),
                    Qemu.snapshotToRaw(image, "second", dir, "second.raw")));
            JsonNode info = PartitionMountTest.info(m);
            assertEquals("qcow2", info.get("format").asText());
            assertEquals(2, info.at("/image_info/snapshots").size());
            assertEquals(65536, info.at("/image_info/cluster-size").asInt());
        }
    }

    @Test
    void partitionsOfAQcow2Disk() throws IOException {
        Path raw = TestImages.randomRaw(dir, "src.raw", 32L << 20, 8);
        SfdiskLayout.write(raw, "label: gpt\nsize=8M, type=L\ntype=L\n");
        SfdiskLayout layout = SfdiskLayout.of(raw);
        Path image = dir.resolve("parts.qcow2");
        Qemu.img("convert", "-O", "qcow2", raw.toString(), image.toString());
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            PartitionMountTest.assertPartitionFilesMatch(m, raw, layout);
        }
    }

    @Test
    void malformedImageIsRefusedWithOneLine() throws IOException {
        Path image = dir.resolve("bad.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "16M");
        try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.seek(40); // l1_table_offset
            f.writeLong(0x100000000000L);
        }
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        Tool.Result r = Commands.aiofs("mount", "--read-only", image.toString(), mnt.toString());
        assertEquals(1, r.exitCode(), r.toString());
        assertEquals(1, r.stderrLines().size(), r.stderr());
        assertTrue(r.stderr().contains("bad.qcow2") && r.stderr().contains("L1"), r.stderr());
        assertTrue(!Mounts.isMounted(mnt));
    }

    private void assertMountMatches(Path image, String file, Path expected) throws IOException {
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            assertEquals(Files.size(expected), Files.size(m.file(file)));
            assertEquals(-1L, Files.mismatch(m.file(file), expected), file + " differs from qemu-img convert");
        }
    }
}
