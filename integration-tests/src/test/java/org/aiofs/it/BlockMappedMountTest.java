package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;

/** VHD, VHDX and VDI images made by QEMU, mounted: disk.raw and partN.raw read what qemu-img convert produces. */
@ExtendWith(NoMountLeftBehind.class)
class BlockMappedMountTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"vpc, subformat=dynamic, ''", "vpc, subformat=fixed, vpc", "vhdx, block_size=1M, ''",
        "vhdx, subformat=fixed, ''", "vdi, static=off, ''", "vdi, static=on, ''"})
    void diskReadsAsQemuConvertsIt(String format, String options, String named) throws IOException {
        Path image = dir.resolve("disk." + format);
        Qemu.img("create", "-q", "-f", format, "-o", options, image.toString(), "48M");
        Qemu.io(image, format, "write -P 0x61 0 1M", "write -P 0x62 3000000 777777", "write -P 0x63 40M 5M");
        Path expected = dir.resolve("expected.raw");
        Qemu.img("convert", "-f", format, "-O", "raw", image.toString(), expected.toString());
        String[] options2 = named.isEmpty() ? new String[] {"--read-only"}
                : new String[] {"--read-only", "--format", named};
        try (MountedImage m = MountedImage.mount(image, dir, options2)) {
            assertEquals(Files.size(expected), Files.size(m.disk()));
            assertEquals(-1L, Files.mismatch(m.disk(), expected), "disk.raw differs from qemu-img convert");
            JsonNode info = PartitionMountTest.info(m);
            assertEquals(format, info.get("format").asText());
        }
    }

    /**
     * A GPT disk with an ext4 partition holding a file, converted into each format: the partition
     * files are the partitions, e2fsck finds the file system clean and debugfs reads the file.
     */
    @ParameterizedTest
    @CsvSource({"vpc, force_size=on", "vhdx, block_size=1M", "vdi, static=off"})
    void gptExt4Guest(String format, String options) throws IOException {
        Path raw = guestDisk(format);
        SfdiskLayout layout = SfdiskLayout.of(raw);
        Path image = dir.resolve("guest." + format);
        Qemu.img("convert", "-f", "raw", "-O", format, "-o", options, raw.toString(), image.toString());
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            assertEquals(-1L, Files.mismatch(m.disk(), raw), "disk.raw is the guest disk");
            PartitionMountTest.assertPartitionFilesMatch(m, raw, layout);
            Commands.run("e2fsck", "-fn", m.file("part2.raw").toString()).assertSuccess();
            Tool.Result cat = Commands.run("debugfs", "-R", "cat /hello.txt", m.file("part2.raw").toString())
                    .assertSuccess();
            assertTrue(cat.stdout().contains("hello from inside a " + format + " image"), cat.stdout());
        }
    }

    @Test
    void writableMountIsRefusedWithOneLine() throws IOException {
        Path image = dir.resolve("d.vhdx");
        Qemu.img("create", "-q", "-f", "vhdx", image.toString(), "8M");
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        Tool.Result r = Commands.aiofs("mount", image.toString(), mnt.toString());
        assertEquals(1, r.exitCode(), r.toString());
        assertEquals(1, r.stderrLines().size(), r.stderr());
        assertTrue(r.stderr().contains("d.vhdx") && r.stderr().contains("--read-only"), r.stderr());
        assertTrue(!Mounts.isMounted(mnt));
    }

    /** 64 MiB, GPT: an 8 MiB partition of random bytes, then ext4 with /hello.txt (made with mkfs.ext4 -d). */
    private Path guestDisk(String format) throws IOException {
        Path raw = TestImages.randomRaw(dir, "guest.raw", 64L << 20, 13);
        SfdiskLayout.write(raw, "label: gpt\nsize=8M, type=L\ntype=L\n");
        SfdiskLayout layout = SfdiskLayout.of(raw);
        SfdiskLayout.Entry p2 = layout.partitions().get(1);
        Path content = Files.createDirectory(dir.resolve("content"));
        Files.writeString(content.resolve("hello.txt"), "hello from inside a " + format + " image\n");
        Path fs = dir.resolve("part2.ext4");
        Commands.run("mkfs.ext4", "-q", "-F", "-d", content.toString(), fs.toString(), (p2.size() / 1024) + "k")
                .assertSuccess();
        byte[] bytes = Files.readAllBytes(fs);
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.seek(p2.start());
            f.write(bytes);
        }
        return raw;
    }
}
