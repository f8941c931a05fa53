package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Each partition appears beside the whole disk, byte-identical to its extent as sfdisk sees it. */
@ExtendWith(NoMountLeftBehind.class)
class PartitionMountTest {
    private static final long SIZE = 64L << 20;
    private static final Set<String> EXTENDED_TYPES = Set.of("5", "f", "85");

    @TempDir
    Path dir;

    @Test
    void mbrWithLogicalPartitions() throws IOException {
        Path image = TestImages.randomRaw(dir, "mbr.img", SIZE, 11);
        SfdiskLayout.write(image, "label: dos\n,8M,83\n,8M,83\n,8M,c\n,,E\n,6M,83\n,6M,83\n,,83\n");
        SfdiskLayout layout = SfdiskLayout.of(image);
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            assertEquals(List.of("disk.raw", "info.json", "part1.raw", "part2.raw", "part3.raw", "part5.raw",
                    "part6.raw", "part7.raw"), TestImages.list(m.mountPoint()));
            assertPartitionFilesMatch(m, image, layout);
        }
    }

    @Test
    void gptWithNames() throws IOException {
        Path image = TestImages.randomRaw(dir, "gpt.img", SIZE, 12);
        SfdiskLayout.write(image, "label: gpt\nsize=16M, type=L, name=root\nsize=8M, type=U, name=efi\ntype=S\n");
        SfdiskLayout layout = SfdiskLayout.of(image);
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            assertPartitionFilesMatch(m, image, layout);
            JsonNode info = info(m);
            assertEquals("gpt", info.at("/partition_table/scheme").asText());
            assertEquals("root", info.at("/partition_table/partitions/0/name").asText());
            assertEquals("efi", info.at("/partition_table/partitions/1/name").asText());
            assertEquals(0, info.at("/partition_table/warnings").size());
        }
    }

    @Test
    void gptWith4096ByteSectors() throws IOException {
        Path image = TestImages.randomRaw(dir, "gpt4k.img", SIZE, 13);
        String loop = Commands.run("losetup", "-f", "--show", "--sector-size", "4096", image.toString())
                .assertSuccess().stdout().trim();
        SfdiskLayout layout;
        try {
            SfdiskLayout.write(Path.of(loop), "label: gpt\nsize=16M, type=L\nsize=8M, type=L\ntype=L\n");
            layout = SfdiskLayout.of(Path.of(loop));
        } finally {
            Commands.run("losetup", "-d", loop).assertSuccess();
        }
        assertEquals(4096, layout.sectorSize());
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            assertPartitionFilesMatch(m, image, layout);
            assertEquals(4096, info(m).at("/partition_table/sector_size").asInt());
        }
    }

    @Test
    void damagedPrimaryGptFallsBackToTheBackup() throws IOException {
        Path image = TestImages.randomRaw(dir, "gpt.img", SIZE, 14);
        SfdiskLayout.write(image, "label: gpt\nsize=16M, type=L\nsize=8M, type=L\n");
        SfdiskLayout layout = SfdiskLayout.of(image);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(512);
            f.write(new byte[512]); // the primary header
        }
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            assertPartitionFilesMatch(m, image, layout);
            String warnings = info(m).at("/partition_table/warnings").toString();
            assertTrue(warnings.contains("backup"), warnings);
        }
    }

    @Test
    void partitionPointingPastTheDiskIsLeftOutWithAWarning() throws IOException {
        Path image = TestImages.randomRaw(dir, "mbr.img", SIZE, 15);
        SfdiskLayout.write(image, "label: dos\n,8M,83\n,8M,83\n");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            ByteBuffer sectors = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 1 << 20);
            f.seek(446 + 16 + 12); // entry 2, number of sectors: 512 MiB on a 64 MiB disk
            f.write(sectors.array());
        }
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            assertTrue(Files.exists(m.file("part1.raw")));
            assertFalse(Files.exists(m.file("part2.raw")));
            String warnings = info(m).at("/partition_table/warnings").toString();
            assertTrue(warnings.contains("2"), warnings);
        }
    }

    @Test
    void fdiskAddsAPartitionThroughTheMount() throws IOException {
        Path image = TestImages.sparseRaw(dir, "disk.img", SIZE);
        SfdiskLayout.write(image, "label: gpt\nsize=16M, type=L\n");
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw")) {
            assertFalse(Files.exists(m.file("part2.raw")));
            Commands.runWithInput("size=20M, type=L\n", "sfdisk", "-q", "--append", m.disk().toString())
                    .assertSuccess();
            assertEquals(20L << 20, Files.size(m.file("part2.raw")));
            Commands.run("mkfs.ext4", "-q", "-F", m.file("part2.raw").toString()).assertSuccess();
            Commands.run("e2fsck", "-fn", m.file("part2.raw").toString()).assertSuccess();
        }
        SfdiskLayout layout = SfdiskLayout.of(image);
        assertEquals(2, layout.partitions().size());
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            Commands.run("e2fsck", "-fn", m.file("part2.raw").toString()).assertSuccess();
            assertPartitionFilesMatch(m, image, layout);
        }
    }

    @Test
    void writesStayInsideThePartition() throws IOException {
        Path image = TestImages.randomRaw(dir, "mbr.img", SIZE, 16);
        SfdiskLayout.write(image, "label: dos\n,8M,83\n,8M,83\n");
        byte[] before = Files.readAllBytes(image);
        SfdiskLayout.Entry p1 = SfdiskLayout.of(image).partitions().get(0);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw")) {
            Tool.Result dd = Commands.run("dd", "if=/dev/zero", "of=" + m.file("part1.raw"), "bs=1M", "count=9",
                    "conv=notrunc");
            assertTrue(dd.exitCode() != 0 && dd.stderr().contains("No space left"), dd.stderr());
        }
        byte[] after = Files.readAllBytes(image);
        assertTrue(RawMountTest.allZero(after, (int) p1.start(), (int) p1.size()), "the partition was not written");
        assertEquals(ByteBuffer.wrap(before, (int) p1.end(), 4096), ByteBuffer.wrap(after, (int) p1.end(), 4096),
                "bytes after the partition changed");
    }

    /**
     * An open partition file keeps the extent it had when it was opened, as Linux keeps an
     * in-use partition: a new table written through disk.raw moves partN.raw for the next
     * open only (issue 10, item 3).
     */
    @Test
    void openPartitionKeepsItsExtentWhenTheTableMovesIt() throws IOException {
        Path image = TestImages.sparseRaw(dir, "mbr.img", SIZE);
        SfdiskLayout.write(image, "label: dos\nstart=2048, size=8M, type=83\n");
        byte[] old = filled(4096, (byte) 0x0d);
        byte[] next = filled(4096, (byte) 0x2e);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw");
             FileChannel part1 = FileChannel.open(m.file("part1.raw"), StandardOpenOption.WRITE)) {
            Commands.runWithInput("label: dos\nstart=40960, size=8M, type=83\n", "sfdisk", "-q", "--no-reread",
                    m.disk().toString()).assertSuccess();
            RawMountTest.writeFully(part1, ByteBuffer.wrap(old), 0);
            part1.force(true);
            try (FileChannel moved = FileChannel.open(m.file("part1.raw"), StandardOpenOption.WRITE)) {
                RawMountTest.writeFully(moved, ByteBuffer.wrap(next), 0);
            }
        }
        byte[] after = Files.readAllBytes(image);
        assertArrayEquals(old, Arrays.copyOfRange(after, 1 << 20, (1 << 20) + 4096),
                "the write through the fd opened before the new table must land at the old extent (1 MiB)");
        assertArrayEquals(next, Arrays.copyOfRange(after, 20 << 20, (20 << 20) + 4096),
                "a file opened after the new table must write at the new extent (20 MiB)");
    }

    static byte[] filled(int length, byte value) {
        byte[] b = new byte[length];
        Arrays.fill(b, value);
        return b;
    }

    static JsonNode info(MountedImage m) throws IOException {
        return new ObjectMapper().readTree(Files.readString(m.file("info.json")));
    }

    /** Every partition sfdisk lists (extended containers aside) is a file holding exactly its extent. */
    static void assertPartitionFilesMatch(MountedImage m, Path image, SfdiskLayout layout) throws IOException {
        List<String> expected = new ArrayList<>();
        try (FileChannel img = FileChannel.open(image)) {
            for (SfdiskLayout.Entry p : layout.partitions()) {
                if (EXTENDED_TYPES.contains(p.type())) {
                    continue;
                }
                Path file = m.file("part" + p.number() + ".raw");
                expected.add(file.getFileName().toString());
                assertEquals(p.size(), Files.size(file), file + " size");
                ByteBuffer want = ByteBuffer.allocate((int) p.size());
                img.read(want, p.start());
                assertEquals(want.flip(), ByteBuffer.wrap(Files.readAllBytes(file)), file + " content");
            }
        }
        List<String> actual = TestImages.list(m.mountPoint()).stream().filter(n -> n.startsWith("part")).toList();
        assertEquals(expected.stream().sorted().toList(), actual);
    }
}
