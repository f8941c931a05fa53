package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;

/**
 * VMDK disks made by qemu-img from a GPT disk with ext4 inside, mounted: disk.raw and every
 * partition read exactly what qemu-img convert reads, and the guest's file system is whole.
 */
@ExtendWith(NoMountLeftBehind.class)
class VmdkMountTest {
    private static final long SIZE = 24L << 20;

    @TempDir
    Path dir;

    /** A GPT disk (random bytes where nothing is) whose first partition holds ext4 with /etc/os-release in it. */
    private Path guest(String name) throws IOException {
        Path raw = TestImages.randomRaw(dir, name, SIZE, 31);
        SfdiskLayout.write(raw, "label: gpt\nsize=12M, type=L, name=root\ntype=L, name=data\n");
        SfdiskLayout.Entry root = SfdiskLayout.of(raw).partitions().get(0);
        Path fs = TestImages.sparseRaw(dir, name + ".ext4", root.size());
        Commands.run("mkfs.ext4", "-q", "-F", fs.toString()).assertSuccess();
        Commands.run("debugfs", "-w", "-R", "write /etc/os-release os-release", fs.toString()).assertSuccess();
        try (FileChannel from = FileChannel.open(fs); FileChannel to = FileChannel.open(raw, StandardOpenOption.WRITE)) {
            long done = 0;
            while (done < root.size()) {
                done += from.transferTo(done, root.size() - done, to.position(root.start() + done));
            }
        }
        return raw;
    }

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "streamOptimized", "monolithicFlat", "twoGbMaxExtentSparse",
            "twoGbMaxExtentFlat"})
    void gptExt4GuestInEverySubformat(String subformat) throws IOException {
        Path raw = guest("guest.raw");
        Path image = dir.resolve(subformat + ".vmdk");
        Qemu.img("convert", "-O", "vmdk", "-o", "subformat=" + subformat, raw.toString(), image.toString());
        Path expected = Qemu.toRaw(image, dir, subformat + ".expected.raw");
        assertEquals(-1L, Files.mismatch(raw, expected), "qemu-img reads back what it converted");
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            assertEquals(-1L, Files.mismatch(m.disk(), expected), "disk.raw differs from qemu-img convert");
            PartitionMountTest.assertPartitionFilesMatch(m, expected, SfdiskLayout.of(expected));
            Path part1 = m.file("part1.raw");
            Commands.run("e2fsck", "-fn", part1.toString()).assertSuccess();
            Tool.Result cat = Commands.run("debugfs", "-R", "cat os-release", part1.toString()).assertSuccess();
            assertEquals(Files.readString(Path.of("/etc/os-release")), cat.stdout());
            JsonNode info = PartitionMountTest.info(m);
            assertEquals("vmdk", info.get("format").asText());
            assertEquals(subformat, info.at("/image_info/format-specific/data/create-type").asText(), info.toString());
        }
    }

    @Test
    void childOverAParentWithZeroedGrains() throws IOException {
        Path raw = guest("base.raw");
        Path base = dir.resolve("base.vmdk");
        Qemu.img("convert", "-O", "vmdk", raw.toString(), base.toString());
        Path child = dir.resolve("child.vmdk");
        Qemu.img("create", "-q", "-f", "vmdk", "-o", "zeroed_grain=on", "-b", "base.vmdk", "-F", "vmdk",
                child.toString(), "40M");
        Qemu.io(child, "vmdk", "write -P 0x77 10M 1M", "write -z 20M 128k", "write -P 0x78 30M 64k");
        Path expected = Qemu.toRaw(child, dir, "child.expected.raw");
        try (MountedImage m = MountedImage.mount(child, dir, "--read-only")) {
            assertEquals(40L << 20, Files.size(m.disk()));
            assertEquals(-1L, Files.mismatch(m.disk(), expected), "disk.raw differs from qemu-img convert");
            JsonNode info = PartitionMountTest.info(m);
            assertEquals(base.toString(), info.at("/image_info/backing-chain/0/filename").asText(), info.toString());
        }
    }

    /** A writable mount: a file system made and filled through it, then judged by QEMU's tools and e2fsck. */
    @Test
    void ext4MadeThroughAWritableMountIsWhatQemuReads() throws IOException {
        Path image = dir.resolve("rw.vmdk");
        Qemu.img("create", "-q", "-f", "vmdk", "-o", "zeroed_grain=on", image.toString(), "32M");
        try (MountedImage m = MountedImage.mount(image, dir)) {
            Commands.run("mkfs.ext4", "-q", "-F", m.disk().toString()).assertSuccess();
            Commands.run("debugfs", "-w", "-R", "write /etc/os-release os-release", m.disk().toString())
                    .assertSuccess();
            Commands.run("e2fsck", "-fn", m.disk().toString()).assertSuccess();
        }
        Qemu.img("check", image.toString());
        Path raw = Qemu.toRaw(image, dir, "rw.expected.raw");
        Commands.run("e2fsck", "-fn", raw.toString()).assertSuccess();
        Tool.Result cat = Commands.run("debugfs", "-R", "cat os-release", raw.toString()).assertSuccess();
        assertEquals(Files.readString(Path.of("/etc/os-release")), cat.stdout());
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            assertEquals(-1L, Files.mismatch(m.disk(), raw), "aiofs reads back what QEMU reads");
        }
    }

    @Test
    void writableMountOfAStreamOptimizedDiskIsRefusedWithTheWayOut() throws IOException {
        Path raw = TestImages.randomRaw(dir, "s.raw", 1 << 20, 5);
        Path image = dir.resolve("stream.vmdk");
        Qemu.img("convert", "-O", "vmdk", "-o", "subformat=streamOptimized", raw.toString(), image.toString());
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        Tool.Result r = Commands.aiofs("mount", image.toString(), mnt.toString());
        assertEquals(1, r.exitCode(), r.toString());
        assertEquals(1, r.stderrLines().size(), r.stderr());
        assertTrue(r.stderr().contains("stream.vmdk") && r.stderr().contains("--read-only"), r.stderr());
        assertTrue(!Mounts.isMounted(mnt));
    }

    @Test
    void malformedDiskIsRefusedWithOneLine() throws IOException {
        Path image = dir.resolve("bad.vmdk");
        Qemu.img("create", "-q", "-f", "vmdk", image.toString(), "16M");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(44); // numGTEsPerGT, little-endian
            f.write(new byte[] {0, 0x10, 0, 0});
        }
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        Tool.Result r = Commands.aiofs("mount", "--read-only", image.toString(), mnt.toString());
        assertEquals(1, r.exitCode(), r.toString());
        assertEquals(1, r.stderrLines().size(), r.stderr());
        assertTrue(r.stderr().contains("bad.vmdk") && r.stderr().contains("numGTEsPerGT 4096"), r.stderr());
        assertTrue(!Mounts.isMounted(mnt));
    }
}
