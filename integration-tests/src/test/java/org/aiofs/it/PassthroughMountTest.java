package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.aiofs.aio.nbd.NbdServer;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kernel FUSE passthrough (issue 9): disk.raw of a raw image is read and written by the
 * kernel straight from the image file, so those requests never reach aiofs (its counters
 * stay still); partition files still go through aiofs, and both see each other's writes at
 * once, because aiofs uses the image file's page cache too. Where passthrough can't work,
 * info.json says why.
 */
@ExtendWith(NoMountLeftBehind.class)
class PassthroughMountTest {
    private static final long SIZE = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void diskRawIsServedByTheKernelAndReadsAsTheBareFile() throws IOException {
        Path image = TestImages.randomRaw(dir, "disk.img", SIZE, 51);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw")) {
            JsonNode passthrough = passthrough(m);
            assertEquals(List.of("disk.raw"), names(passthrough.get("files")), passthrough.toString());
            assertTrue(passthrough.get("writes").asBoolean(), passthrough.toString());
            assertEquals(-1L, Files.mismatch(image, m.disk()), "disk.raw differs from the bare file");
            Commands.run("dd", "if=" + m.disk(), "of=/dev/null", "bs=1M", "iflag=direct").assertSuccess();
            assertEquals(0, counter(m, "reads"), "reads of disk.raw reached aiofs: not passed through");
            Tool.Result info = Commands.aiofs("info", m.mountPoint().toString()).assertSuccess();
            assertTrue(info.stdout().contains("passthrough: disk.raw (the kernel reads and writes"), info.stdout());
        }
    }

    @Test
    void writesThroughThePassedThroughDiskEqualTheSameWritesToACopy() throws IOException {
        Path image = TestImages.randomRaw(dir, "disk.img", SIZE, 52);
        Path model = dir.resolve("model.img");
        Files.copy(image, model);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw")) {
            RawMountTest.writeTheSameAtRandom(m.disk(), model, SIZE, 52);
            Commands.run("dd", "if=/dev/zero", "of=" + m.disk(), "bs=4k", "count=8", "seek=77", "oflag=direct",
                    "conv=notrunc").assertSuccess();
            Commands.run("dd", "if=/dev/zero", "of=" + model, "bs=4k", "count=8", "seek=77", "conv=notrunc")
                    .assertSuccess();
            assertEquals(0, counter(m, "writes"), "writes to disk.raw reached aiofs: not passed through");
            assertEquals(-1L, Files.mismatch(model, m.disk()), "disk.raw reads back other than the model");
        }
        Commands.run("qemu-img", "compare", "-f", "raw", "-F", "raw", model.toString(), image.toString())
                .assertSuccess();
    }

    /**
     * disk.raw (the kernel, on the image file) and part1.raw (aiofs, buffered on the same file)
     * alias the same bytes: a write through either is read through the other at once, with
     * both files held open and nothing flushed in between.
     */
    @Test
    void partitionFilesAndThePassedThroughDiskSeeEachOthersWrites() throws IOException {
        Path image = TestImages.randomRaw(dir, "mbr.img", SIZE, 53);
        SfdiskLayout.write(image, "label: dos\nstart=2048, size=16M, type=83\n");
        long start = 2048 * 512;
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw");
             FileChannel disk = FileChannel.open(m.disk(), StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel part = FileChannel.open(m.file("part1.raw"), StandardOpenOption.READ,
                     StandardOpenOption.WRITE)) {
            assertEquals(List.of("disk.raw"), names(passthrough(m).get("files")),
                    "part1.raw must not be passed through");
            for (int round = 0; round < 20; round++) {
                int length = 512 + round * 3001;
                long offset = 4096L * round * 7 + round;
                byte[] viaDisk = PartitionMountTest.filled(length, (byte) (round + 1));
                RawMountTest.writeFully(disk, ByteBuffer.wrap(viaDisk), start + offset);
                assertArrayEquals(viaDisk, RawMountTest.read(part, offset, length),
                        "part1.raw missed a write to disk.raw, round " + round);
                byte[] viaPart = PartitionMountTest.filled(length, (byte) (0x80 + round));
                RawMountTest.writeFully(part, ByteBuffer.wrap(viaPart), offset + 100);
                assertArrayEquals(viaPart, RawMountTest.read(disk, start + offset + 100, length),
                        "disk.raw missed a write to part1.raw, round " + round);
            }
            // mmap of the passed-through file maps the image file's pages: aiofs reads the stores at
            // once (another process maps it, so that the mapping is gone before the unmount)
            Commands.run("python3", "-c", "import mmap, os, sys\n"
                    + "fd = os.open(sys.argv[1], os.O_RDWR)\n"
                    + "m = mmap.mmap(fd, 8192, offset=int(sys.argv[2]))\n"
                    + "m[:] = b'\\x5a' * 8192\n"
                    + "m.close()\n", m.disk().toString(), String.valueOf(start + (8 << 20))).assertSuccess();
            assertArrayEquals(PartitionMountTest.filled(8192, (byte) 0x5a), RawMountTest.read(part, 8 << 20, 8192),
                    "part1.raw missed a store through mmap of disk.raw");
            long partReads = counter(m, "reads");
            assertTrue(partReads >= 20, "part1.raw's reads go through aiofs: " + partReads);
        }
        byte[] after = Files.readAllBytes(image);
        assertArrayEquals(PartitionMountTest.filled(512 + 19 * 3001, (byte) (0x80 + 19)),
                Arrays.copyOfRange(after, (int) (start + 4096L * 19 * 7 + 19 + 100),
                        (int) (start + 4096L * 19 * 7 + 19 + 100 + 512 + 19 * 3001)));
    }

    @Test
    void readOnlyMountPassesReadsThroughAndRefusesWrites() throws IOException {
        Path image = TestImages.randomRaw(dir, "disk.img", SIZE, 54);
        byte[] before = Files.readAllBytes(image);
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            assertEquals(List.of("disk.raw"), names(passthrough(m).get("files")));
            FileSystemException e = assertThrows(FileSystemException.class,
                    () -> FileChannel.open(m.disk(), StandardOpenOption.WRITE));
            assertTrue(e.getMessage().contains("Read-only file system"), e.getMessage());
            Tool.Result dd = Commands.run("dd", "if=/dev/zero", "of=" + m.disk(), "bs=4k", "count=1",
                    "conv=notrunc");
            assertTrue(dd.exitCode() != 0 && dd.stderr().contains("Read-only file system"), dd.stderr());
            assertEquals(-1L, Files.mismatch(image, m.disk()));
            assertEquals(0, counter(m, "reads"));
        }
        assertArrayEquals(before, Files.readAllBytes(image));
    }

    /** --passthrough reads: writes come to aiofs, which keeps the disk's size (the kernel would grow the file). */
    @Test
    void readsOnlyModeKeepsTheDiskSizeFixed() throws IOException {
        Path image = TestImages.randomRaw(dir, "disk.img", 1 << 20, 55);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw", "--passthrough", "reads")) {
            JsonNode passthrough = passthrough(m);
            assertEquals(List.of("disk.raw"), names(passthrough.get("files")), passthrough.toString());
            assertTrue(!passthrough.get("writes").asBoolean(), passthrough.toString());
            Tool.Result dd = Commands.run("dd", "if=/dev/zero", "of=" + m.disk(), "bs=4k", "count=1",
                    "seek=256", "conv=notrunc");
            assertTrue(dd.exitCode() != 0 && dd.stderr().contains("No space left on device"), dd.stderr());
            Commands.run("dd", "if=/dev/zero", "of=" + m.disk(), "bs=4k", "count=3", "seek=5", "conv=notrunc")
                    .assertSuccess();
            assertEquals(3, counter(m, "writes"), "writes go through aiofs in reads mode");
            assertEquals(-1L, Files.mismatch(image, m.disk()));
            assertEquals(0, counter(m, "reads"), "reads are still passed through");
        }
        assertEquals(1 << 20, Files.size(image));
        assertTrue(RawMountTest.allZero(Files.readAllBytes(image), 5 * 4096, 3 * 4096));
    }

    @Test
    void whereItCannotWorkInfoSaysWhy() throws IOException {
        Path raw = TestImages.randomRaw(dir, "disk.img", 16L << 20, 56);
        Path qcow2 = dir.resolve("disk.qcow2");
        Qemu.img("convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString());
        assertRefused(qcow2, "format qcow2", "--read-only");
        assertRefused(raw, "cache none", "--format", "raw", "--cache", "none");
        assertRefused(raw, "cache writethrough", "--format", "raw", "--cache", "writethrough");
        assertRefused(raw, "turned off", "--format", "raw", "--passthrough", "off");
        assertRefused(raw, "libfuse2", "--format", "raw", "--transport", "libfuse2");
        try (NbdServer server = NbdServer.nbdkit(dir, true, "file", "file=" + raw).start()) {
            assertRefused(server.uri(), "an NBD export", "--read-only", "--format", "raw");
        }
        Tool.Result bad = Commands.aiofs("mount", "--passthrough", "maybe", raw.toString(), dir.toString());
        assertTrue(bad.exitCode() != 0 && bad.stderr().contains("--passthrough maybe: choose auto, reads, off"),
                bad.toString());
    }

    /** A killed server leaves nothing mounted, even while a reader holds the passed-through file open. */
    @Test
    void aKilledServerLeavesNothingMounted() throws Exception {
        Path image = TestImages.randomRaw(dir, "disk.img", SIZE, 57);
        MountedImage m = MountedImage.mount(image, dir, "--format", "raw");
        m.forgetMount();
        try (FileChannel held = FileChannel.open(m.disk())) {
            assertEquals(List.of("disk.raw"), names(passthrough(m).get("files")));
            assertArrayEquals(Arrays.copyOfRange(Files.readAllBytes(image), 0, 4096),
                    RawMountTest.read(held, 0, 4096));
            Commands.run("kill", "-KILL", String.valueOf(m.serverPid())).assertSuccess();
            ProcessHandle.of(m.serverPid()).ifPresent(p -> p.onExit().join());
            assertTrue(Mounts.awaitUnmounted(m.mountPoint(), Duration.ofSeconds(30)), "dead mount left behind");
        }
        Commands.run("qemu-img", "info", "-f", "raw", image.toString()).assertSuccess(); // no lock left either
    }

    private void assertRefused(Object image, String reason, String... options) throws IOException {
        try (MountedImage m = MountedImage.mount(image.toString(), dir, options)) {
            JsonNode passthrough = passthrough(m);
            assertEquals(List.of(), names(passthrough.get("files")), passthrough.toString());
            assertTrue(passthrough.get("reason").asText().contains(reason), passthrough.toString());
            Tool.Result info = Commands.aiofs("info", m.mountPoint().toString()).assertSuccess();
            assertTrue(info.stdout().contains("passthrough: none (") && info.stdout().contains(reason),
                    info.stdout());
            long reads = counter(m, "reads");
            Files.readAllBytes(m.disk());
            assertTrue(counter(m, "reads") > reads, "reads must reach aiofs when nothing is passed through");
        }
    }

    private static JsonNode passthrough(MountedImage m) throws IOException {
        return PartitionMountTest.info(m).at("/transport/passthrough");
    }

    private static long counter(MountedImage m, String name) throws IOException {
        return PartitionMountTest.info(m).at("/counters/" + name).asLong();
    }

    private static List<String> names(JsonNode array) {
        List<String> names = new java.util.ArrayList<>();
        array.forEach(n -> names.add(n.asText()));
        return names;
    }

}
