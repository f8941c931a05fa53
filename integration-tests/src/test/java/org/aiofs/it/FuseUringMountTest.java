package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import org.aiofs.testing.FuseUringSwitch;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * FUSE over io_uring on the kernel transport: with the fuse module's enable_uring set to Y
 * (by the test, before the mount, and restored after it) the requests of a raw and of a qcow2
 * mount come from the io_uring queues, and what is read and written through them is what
 * QEMU's tools read and judge; a QD16 writer with checksums sees its own data; with the
 * parameter N or --fuse-uring off the /dev/fuse readers serve, and info.json says why. The
 * passthrough of disk.raw is off, so that every request reaches aiofs.
 */
@ExtendWith(NoMountLeftBehind.class)
class FuseUringMountTest {
    private static final long SIZE = 64L << 20;

    @TempDir
    Path dir;

    private FuseUringSwitch parameter;

    @BeforeEach
    void haveTheParameter() {
        assumeTrue(FuseUringSwitch.exists(), "this kernel has no FUSE over io_uring");
    }

    @AfterEach
    void restoreTheParameter() {
        if (parameter != null) {
            parameter.close();
        }
    }

    @Test
    void aRawImageIsServedFromTheRingsAndWritesLandAsOnACopy() throws IOException {
        parameter = FuseUringSwitch.set(true);
        Path image = TestImages.randomRaw(dir, "disk.img", SIZE, 61);
        Path model = dir.resolve("model.img");
        Files.copy(image, model);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw", "--passthrough", "off")) {
            assertServedFromTheRings(m);
            assertTrue(PartitionMountTest.info(m).at("/engine/reason").asText().contains("one queue thread per CPU"),
                    "auto picks the engine for the queues' threads when the rings serve");
            assertEquals(-1L, Files.mismatch(image, m.disk()), "disk.raw reads other than the image");
            long before = ringRequests(m);
            RawMountTest.writeTheSameAtRandom(m.disk(), model, SIZE, 62);
            assertEquals(-1L, Files.mismatch(model, m.disk()), "disk.raw reads back other than the model");
            assertTrue(ringRequests(m) > before + 200, "the writes did not come from the rings");
        }
        Commands.run("qemu-img", "compare", "-f", "raw", "-F", "raw", model.toString(), image.toString())
                .assertSuccess();
    }

    @Test
    void aQcow2ImageReadsAsQemuImgConvertAndWritesPassQemuImgCheck() throws IOException {
        parameter = FuseUringSwitch.set(true);
        Path raw = TestImages.randomRaw(dir, "source.raw", SIZE, 63);
        Path image = dir.resolve("disk.qcow2");
        Qemu.img("convert", "-f", "raw", "-O", "qcow2", raw.toString(), image.toString());
        Path model = dir.resolve("model.raw");
        Qemu.img("convert", "-f", "qcow2", "-O", "raw", image.toString(), model.toString());
        try (MountedImage m = MountedImage.mount(image, dir)) {
            assertServedFromTheRings(m);
            assertEquals(-1L, Files.mismatch(model, m.disk()), "disk.raw differs from qemu-img convert -O raw");
            RawMountTest.writeTheSameAtRandom(m.disk(), model, SIZE, 64);
            assertEquals(-1L, Files.mismatch(model, m.disk()));
        }
        Commands.run("qemu-img", "check", image.toString()).assertSuccess();
        Commands.run("qemu-img", "compare", "-f", "qcow2", "-F", "raw", image.toString(), model.toString())
                .assertSuccess();
    }

    /**
     * fio with 16 direct writes queued at once, each block carrying a checksum, then every block
     * verified; on the thread pool, so that replies are made on its threads and handed to the
     * queues' threads.
     */
    @Test
    void sixteenQueuedWritersReadTheirOwnBlocksBack() throws IOException {
        parameter = FuseUringSwitch.set(true);
        Path image = TestImages.randomRaw(dir, "disk.img", SIZE, 65);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw", "--passthrough", "off",
                "--engine", "threadpool")) {
            assertServedFromTheRings(m);
            long before = ringRequests(m);
            Tool.Result fio = Commands.run("fio", "--name=qd16", "--filename=" + m.disk(), "--rw=randwrite",
                    "--bs=4k", "--direct=1", "--ioengine=libaio", "--iodepth=16", "--size=16M", "--numjobs=2",
                    "--offset_increment=16M", "--verify=crc32c", "--verify_fatal=1", "--do_verify=1",
                    "--output=/dev/null");
            fio.assertSuccess();
            // 2 jobs x 4096 writes, then as many verifying reads
            assertTrue(ringRequests(m) >= before + 2 * 2 * 4096, "fio's requests did not come from the rings: "
                    + (ringRequests(m) - before));
        }
    }

    @Test
    void withTheParameterOffTheDeviceServesAndInfoSaysWhy() throws IOException {
        parameter = FuseUringSwitch.set(false);
        Path image = TestImages.randomRaw(dir, "disk.img", 16L << 20, 66);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw", "--passthrough", "off")) {
            JsonNode uring = uring(m);
            assertFalse(uring.get("serving").asBoolean(), uring.toString());
            assertTrue(uring.get("reason").asText().contains("enable_uring is N"), uring.toString());
            Tool.Result info = Commands.aiofs("info", m.mountPoint().toString()).assertSuccess();
            assertTrue(info.stdout().contains("FUSE over io_uring: off (") && info.stdout().contains("enable_uring is N"),
                    info.stdout());
            assertEquals(-1L, Files.mismatch(image, m.disk()));
            assertEquals("sync", PartitionMountTest.info(m).at("/engine/name").asText(),
                    "without the rings, the readers carry the concurrency");
        }
    }

    @Test
    void fuseUringOffIsHonouredWhereTheKernelOffersIt() throws IOException {
        parameter = FuseUringSwitch.set(true);
        Path image = TestImages.randomRaw(dir, "disk.img", 16L << 20, 67);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw", "--passthrough", "off",
                "--fuse-uring", "off")) {
            JsonNode uring = uring(m);
            assertFalse(uring.get("serving").asBoolean(), uring.toString());
            assertTrue(uring.get("reason").asText().contains("--fuse-uring off"), uring.toString());
            assertFalse(PartitionMountTest.info(m).at("/transport/features").toString().contains("io_uring"));
            assertEquals(-1L, Files.mismatch(image, m.disk()));
        }
        Tool.Result bad = Commands.aiofs("mount", "--fuse-uring", "maybe", image.toString(), dir.toString());
        assertTrue(bad.exitCode() != 0 && bad.stderr().contains("--fuse-uring maybe: auto or off"), bad.toString());
    }

    /** A killed server with the rings serving leaves nothing mounted, even while a reader holds disk.raw open. */
    @Test
    void aKilledServerLeavesNothingMounted() throws Exception {
        parameter = FuseUringSwitch.set(true);
        Path image = TestImages.randomRaw(dir, "disk.img", 16L << 20, 68);
        MountedImage m = MountedImage.mount(image, dir, "--format", "raw", "--passthrough", "off");
        m.forgetMount();
        try (FileChannel held = FileChannel.open(m.disk())) {
            assertServedFromTheRings(m);
            Commands.run("kill", "-KILL", String.valueOf(m.serverPid())).assertSuccess();
            ProcessHandle.of(m.serverPid()).ifPresent(p -> p.onExit().join());
            assertTrue(Mounts.awaitUnmounted(m.mountPoint(), java.time.Duration.ofSeconds(30)),
                    "dead mount left behind");
        }
        Commands.run("qemu-img", "info", "-f", "raw", image.toString()).assertSuccess(); // no lock left either
    }

    private static void assertServedFromTheRings(MountedImage m) throws IOException {
        JsonNode uring = uring(m);
        assertTrue(uring.get("serving").asBoolean(), uring.toString());
        assertTrue(uring.get("queues").asInt() >= Runtime.getRuntime().availableProcessors(),
                "one queue per possible CPU: " + uring);
        assertTrue(ringRequests(m) > 0, "no request came from the rings: " + uring);
        assertTrue(PartitionMountTest.info(m).at("/transport/features").toString().contains("io_uring"));
        Tool.Result info = Commands.aiofs("info", m.mountPoint().toString()).assertSuccess();
        assertTrue(info.stdout().contains("FUSE over io_uring: serving ("), info.stdout());
    }

    private static JsonNode uring(MountedImage m) throws IOException {
        return PartitionMountTest.info(m).at("/transport/fuse_over_io_uring");
    }

    private static long ringRequests(MountedImage m) throws IOException {
        long n = 0;
        for (JsonNode q : uring(m).get("per_queue")) {
            n += q.get("requests").asLong();
        }
        return n;
    }
}
