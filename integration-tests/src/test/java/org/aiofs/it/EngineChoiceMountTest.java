package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** `--engine auto` and `--cache auto` pick by what the target is, and say why in info.json. */
@ExtendWith(NoMountLeftBehind.class)
class EngineChoiceMountTest {
    private static final long SIZE = 32L << 20;

    @TempDir
    Path dir;

    @Test
    void imageFileIsBufferedOnTheSyncEngine() throws IOException {
        Path image = TestImages.sparseRaw(dir, "disk.img", SIZE);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw")) {
            JsonNode engine = PartitionMountTest.info(m).get("engine");
            assertEquals("sync", engine.get("name").asText());
            assertEquals("writeback", engine.get("cache").asText());
            assertTrue(engine.get("reason").asText().contains("regular file"), engine.toString());
            Tool.Result info = Commands.aiofs("info", m.mountPoint().toString()).assertSuccess();
            assertTrue(info.stdout().contains("engine: sync, cache writeback"), info.stdout());
        }
    }

    @Test
    void blockDeviceIsDirectOnIoUringAndUnalignedWritesLand() throws IOException {
        Path image = TestImages.randomRaw(dir, "backing.img", SIZE, 21);
        Path model = dir.resolve("model.img");
        Files.copy(image, model);
        String loop = Commands.run("losetup", "-f", "--show", image.toString()).assertSuccess().stdout().trim();
        try {
            try (MountedImage m = MountedImage.mount(Path.of(loop), dir, "--format", "raw")) {
                JsonNode engine = PartitionMountTest.info(m).get("engine");
                assertEquals("io_uring", engine.get("name").asText(), engine.toString());
                assertEquals("none", engine.get("cache").asText());
                Random random = new Random(3);
                try (FileChannel mounted = FileChannel.open(m.disk(), StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                     FileChannel copy = FileChannel.open(model, StandardOpenOption.WRITE)) {
                    for (int i = 0; i < 200; i++) {
                        int length = 1 + random.nextInt(150_000);
                        long position = (long) (random.nextDouble() * (SIZE - length));
                        byte[] data = new byte[length];
                        random.nextBytes(data);
                        RawMountTest.writeFully(mounted, ByteBuffer.wrap(data), position);
                        RawMountTest.writeFully(copy, ByteBuffer.wrap(data), position);
                    }
                    Commands.run("fallocate", "--zero-range", "--offset", "1000", "--length", "70001",
                            m.disk().toString()).assertSuccess();
                    RawMountTest.writeFully(copy, ByteBuffer.allocate(70001), 1000);
                    assertEquals(ByteBuffer.wrap(Files.readAllBytes(model), 12345, 300_000),
                            ByteBuffer.wrap(RawMountTest.read(mounted, 12345, 300_000)));
                }
            }
        } finally {
            Commands.run("losetup", "-d", loop).assertSuccess();
        }
        assertEquals(-1L, Files.mismatch(image, model), "the device differs from the model");
    }

    /** The format is probed before the device is opened O_DIRECT (a 4-byte O_DIRECT read would fail). */
    @Test
    void blockDeviceMountsReadOnlyWithoutAFormat() throws IOException {
        Path image = TestImages.randomRaw(dir, "probed.img", SIZE, 22);
        String loop = Commands.run("losetup", "-f", "--show", image.toString()).assertSuccess().stdout().trim();
        try (MountedImage m = MountedImage.mount(Path.of(loop), dir, "--read-only")) {
            assertEquals("none", PartitionMountTest.info(m).at("/engine/cache").asText());
            assertEquals(-1L, Files.mismatch(m.disk(), image));
        } finally {
            Commands.run("losetup", "-d", loop).assertSuccess();
        }
    }

    @Test
    void qcow2OnIoUringAsked() throws IOException {
        Path image = dir.resolve("vm.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "32M");
        try (MountedImage m = MountedImage.mount(image, dir, "--engine", "io_uring", "--cache", "writethrough")) {
            JsonNode engine = PartitionMountTest.info(m).get("engine");
            assertEquals("io_uring", engine.get("name").asText());
            assertEquals("writethrough", engine.get("cache").asText());
            Commands.run("mkfs.ext4", "-q", "-F", m.disk().toString()).assertSuccess();
        }
        Commands.run("qemu-img", "check", image.toString()).assertSuccess();
        Commands.run("e2fsck", "-fn", Qemu.toRaw(image, dir, "vm.raw").toString()).assertSuccess();
    }

    @Test
    void impossibleChoicesAreRefusedWithOneLine() throws IOException {
        Path raw = TestImages.sparseRaw(dir, "disk.img", SIZE);
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        refused("linux-aio", Commands.aiofs("mount", "--format", "raw", "--engine", "linux-aio", "--cache",
                "writeback", raw.toString(), mnt.toString()), mnt);
        refused("unknown engine", Commands.aiofs("mount", "--format", "raw", "--engine", "spdk",
                raw.toString(), mnt.toString()), mnt);
        refused("unknown cache mode", Commands.aiofs("mount", "--format", "raw", "--cache", "sometimes",
                raw.toString(), mnt.toString()), mnt);
    }

    private static void refused(String expected, Tool.Result r, Path mnt) {
        assertEquals(1, r.exitCode(), r.toString());
        assertEquals(1, r.stderrLines().size(), r.stderr());
        assertTrue(r.stderr().contains(expected), "expected '" + expected + "' in " + r.stderr());
        assertFalse(Mounts.isMounted(mnt));
    }
}
