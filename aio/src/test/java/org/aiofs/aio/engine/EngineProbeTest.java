package org.aiofs.aio.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.nio.file.StandardOpenOption;

import com.sun.nio.file.ExtendedOpenOption;
import org.aiofs.aio.HostFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each unsupported case forced, and the policy's choices for a file and a loop device. */
class EngineProbeTest {
    private Path dir;
    private Path image;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "aiofs-probe-test");
        image = dir.resolve("disk.img");
        Files.write(image, new byte[1 << 20]);
    }

    @AfterEach
    void tearDown() throws IOException {
        Files.deleteIfExists(image);
        Files.deleteIfExists(dir);
    }

    @Test
    void linuxAioRefusesBufferedFilesFromItsCapabilities() throws IOException {
        assertTrue(Engines.entry(LinuxAioEngine.NAME).capabilities().needsDirectIo());
        try (HostFile buffered = HostFile.open(image, true, false)) {
            ProbeResult probe = Engines.probe(LinuxAioEngine.NAME, buffered);
            assertFalse(probe.supported());
            assertTrue(probe.reason().contains("needs O_DIRECT"), probe.reason());
        }
        try (HostFile direct = HostFile.open(image, true, true)) {
            ProbeResult probe = Engines.probe(LinuxAioEngine.NAME, direct);
            assertTrue(probe.supported(), probe.reason());
        }
    }

    @Test
    void posixAioIsThereButNeverChosenByAuto() throws IOException {
        try (HostFile file = HostFile.open(image, true, false)) {
            ProbeResult probe = Engines.probe(PosixAioEngine.NAME, file);
            assertTrue(probe.supported(), probe.reason());
        }
        for (EnginePolicy.AutoRule rule : EnginePolicy.AUTO) {
            assertFalse(rule.engines().contains(PosixAioEngine.NAME), rule.toString());
        }
        assertEquals(PosixAioEngine.NAME, choose("posix-aio", "auto", image).engine());
    }

    @Test
    void everyEngineInTheTableIsMadeByItsFactoryAndSaysItsCapabilities() throws Exception {
        for (EngineEntry entry : Engines.all()) {
            try (var engine = Engines.create(entry.name())) {
                assertEquals(entry.name(), engine.name());
                assertEquals(entry.capabilities(), engine.capabilities());
            }
        }
        assertEquals(Engines.all().size(), Engines.names().stream().distinct().count(), "names are unique");
    }

    @Test
    void ioUringProbeFindsItsOpcodesOnThisKernel() throws IOException {
        try (HostFile file = HostFile.open(image, true, false)) {
            ProbeResult probe = IoUringEngine.probe(file);
            assertTrue(probe.supported(), probe.reason());
            assertTrue(probe.reason().contains("FALLOCATE"), probe.reason());
        }
    }

    @Test
    void unknownEngineIsRefusedWithTheKnownNames() throws IOException {
        try (HostFile file = HostFile.open(image, true, false)) {
            ProbeResult probe = Engines.probe("spdk", file);
            assertFalse(probe.supported());
            assertTrue(probe.reason().contains("io_uring"), probe.reason());
        }
        assertThrows(IllegalArgumentException.class, () -> Engines.create("spdk"));
        assertThrows(IllegalArgumentException.class, () -> choose("spdk", "auto", image));
    }

    @Test
    void directIoProbeAgreesWithTheJdkOnTmpfs() throws IOException {
        Path shm = Files.createTempFile(Path.of("/dev/shm"), "aiofs-probe", ".img");
        try {
            Files.write(shm, new byte[8192]);
            boolean jdkDirect;
            try (FileChannel ch = FileChannel.open(shm, StandardOpenOption.READ, ExtendedOpenOption.DIRECT)) {
                ByteBuffer b = ByteBuffer.allocateDirect(8192).alignedSlice(4096);
                b.limit(4096);
                ch.read(b, 0);
                jdkDirect = true;
            } catch (IOException e) {
                jdkDirect = false;
            }
            ProbeResult probe = DirectIoProbe.probe(shm);
            assertEquals(jdkDirect, probe.supported(), probe.reason());
            if (!probe.supported()) {
                assertThrows(IllegalArgumentException.class, () -> choose("auto", "none", shm));
            }
        } finally {
            Files.deleteIfExists(shm);
        }
    }

    @Test
    void autoGivesARegularFileBufferedIoOnTheThreadPoolForAsynchronousSubmitters() {
        EngineChoice choice = choose("auto", "auto", image);
        assertEquals(CacheMode.WRITEBACK, choice.cache());
        assertEquals(ThreadPoolEngine.NAME, choice.engine());
        assertTrue(choice.reason().contains("regular file"), choice.reason());
    }

    @Test
    void autoGivesARegularFileTheSyncEngineWhenSubmittersBlockOnTheirOwnThreads() {
        EngineChoice choice = EnginePolicy.choose(new EnginePolicy.Request("auto", "auto", image,
                EnginePolicy.Submitters.BLOCKING_THREADS, null));
        assertEquals(CacheMode.WRITEBACK, choice.cache());
        assertEquals(SyncEngine.NAME, choice.engine());
        assertTrue(choice.reason().contains("hand-off"), choice.reason());
    }

    @Test
    void aFormatWithoutODirectIsRefusedWhenAskedAndBufferedUnderAuto() throws Exception {
        String why = "qcow2 images: O_DIRECT is for raw images only";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EnginePolicy.choose(
                new EnginePolicy.Request("auto", "none", image, EnginePolicy.Submitters.BLOCKING_THREADS, why)));
        assertTrue(e.getMessage().contains(why), e.getMessage());
        String device = run("losetup", "--find", "--show", image.toString()).trim();
        try {
            EngineChoice choice = EnginePolicy.choose(new EnginePolicy.Request("auto", "auto", Path.of(device),
                    EnginePolicy.Submitters.BLOCKING_THREADS, why));
            assertEquals(CacheMode.WRITEBACK, choice.cache(), choice.reason());
            assertEquals(SyncEngine.NAME, choice.engine(), choice.reason());
            assertTrue(choice.reason().contains(why), choice.reason());
        } finally {
            run("losetup", "-d", device);
        }
    }

    @Test
    void explicitLinuxAioOnABufferedCacheModeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> choose("linux-aio", "writeback", image));
        assertTrue(e.getMessage().contains("O_DIRECT"), e.getMessage());
        assertEquals(LinuxAioEngine.NAME, choose("linux-aio", "none", image).engine());
    }

    @Test
    void unknownCacheModeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> choose("auto", "writearound", image));
    }

    @Test
    void autoGivesALoopDeviceODirectOnIoUring() throws Exception {
        String device = run("losetup", "--find", "--show", image.toString()).trim();
        try {
            EngineChoice choice = choose("auto", "auto", Path.of(device));
            assertEquals(CacheMode.NONE, choice.cache(), choice.reason());
            assertEquals(IoUringEngine.NAME, choice.engine(), choice.reason());
            assertTrue(choice.reason().contains("block device"), choice.reason());
        } finally {
            run("losetup", "-d", device);
        }
    }

    /** Behind FUSE io_uring queues a buffered file is read on the queue's thread; O_DIRECT still goes to a kernel queue. */
    @Test
    void queueThreadsGetTheSyncEngineForBufferedFilesOnly() {
        EnginePolicy.AutoRule buffered = EnginePolicy.rule(false, EnginePolicy.Submitters.QUEUE_THREADS);
        assertEquals(List.of(SyncEngine.NAME), buffered.engines(), buffered.toString());
        assertTrue(buffered.why().contains("--engine threadpool"), buffered.why());
        EnginePolicy.AutoRule direct = EnginePolicy.rule(true, EnginePolicy.Submitters.QUEUE_THREADS);
        assertEquals(IoUringEngine.NAME, direct.engines().get(0), direct.toString());
    }

    private static EngineChoice choose(String engine, String cache, Path target) {
        return EnginePolicy.choose(new EnginePolicy.Request(engine, cache, target,
                EnginePolicy.Submitters.ASYNCHRONOUS, null));
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
