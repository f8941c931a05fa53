package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Signals and dead servers: the image is flushed and no dead mount is left behind. */
@ExtendWith(NoMountLeftBehind.class)
class ShutdownTest {
    @TempDir
    Path dir;

    @Test
    void sigtermFlushesAndUnmounts() throws Exception {
        signalEndsTheMountCleanly("TERM");
    }

    @Test
    void sigintFlushesAndUnmounts() throws Exception {
        signalEndsTheMountCleanly("INT");
    }

    private void signalEndsTheMountCleanly(String signal) throws Exception {
        Path image = TestImages.sparseRaw(dir, "disk.img", 8 << 20);
        byte[] data = new byte[300_000];
        Arrays.fill(data, (byte) 0x5a);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw")) {
            try (FileChannel ch = FileChannel.open(m.disk(), StandardOpenOption.WRITE)) {
                RawMountTest.writeFully(ch, ByteBuffer.wrap(data), 4096);
            }
            Commands.run("kill", "-" + signal, String.valueOf(m.serverPid())).assertSuccess();
            ProcessHandle server = ProcessHandle.of(m.serverPid()).orElseThrow();
            server.onExit().get(60, TimeUnit.SECONDS);
            m.forgetMount();
            assertFalse(Mounts.isMounted(m.mountPoint()), "still mounted after SIG" + signal);
            assertTrue(Files.isDirectory(m.mountPoint()));
            assertFalse(Files.exists(m.pidFile()), "pid file left behind");
        }
        byte[] image2 = Files.readAllBytes(image);
        assertArrayEquals(data, Arrays.copyOfRange(image2, 4096, 4096 + data.length));
    }

    /** The qcow2 metadata held back for the next fsync is committed on SIGTERM: clean, nothing lost. */
    @Test
    void sigtermCommitsUnflushedQcow2Writes() throws Exception {
        Path image = dir.resolve("vm.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", image.toString(), "16M");
        byte[] data = new byte[3_000_000];
        new java.util.Random(4).nextBytes(data);
        try (MountedImage m = MountedImage.mount(image, dir)) {
            try (FileChannel ch = FileChannel.open(m.disk(), StandardOpenOption.WRITE)) {
                RawMountTest.writeFully(ch, ByteBuffer.wrap(data), 12345); // no fsync
            }
            Commands.run("kill", "-TERM", String.valueOf(m.serverPid())).assertSuccess();
            ProcessHandle.of(m.serverPid()).ifPresent(p -> p.onExit().join());
            m.forgetMount();
            assertFalse(Mounts.isMounted(m.mountPoint()));
        }
        Commands.run("qemu-img", "check", image.toString()).assertSuccess();
        byte[] raw = Files.readAllBytes(Qemu.toRaw(image, dir, "vm.raw"));
        assertArrayEquals(data, Arrays.copyOfRange(raw, 12345, 12345 + data.length));
    }

    @Test
    void killedServerLeavesNoDeadMount() throws Exception {
        Path image = TestImages.sparseRaw(dir, "disk.img", 8 << 20);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw")) {
            Commands.run("kill", "-KILL", String.valueOf(m.serverPid())).assertSuccess();
            ProcessHandle.of(m.serverPid()).ifPresent(p -> p.onExit().join());
            m.forgetMount();
            // auto_unmount: fusermount, left watching, unmounts once the server is gone
            assertTrue(Mounts.awaitUnmounted(m.mountPoint(), Duration.ofSeconds(30)), "dead mount left behind");
            assertTrue(Files.isDirectory(m.mountPoint()));
        }
    }

    @Test
    void unmountClearsTheMountOfADeadServer() throws Exception {
        Path image = TestImages.sparseRaw(dir, "disk.img", 8 << 20);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw", "--no-auto-unmount")) {
            Commands.run("kill", "-KILL", String.valueOf(m.serverPid())).assertSuccess();
            ProcessHandle.of(m.serverPid()).ifPresent(p -> p.onExit().join());
            IOException dead = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                    () -> Files.size(m.disk()));
            assertTrue(String.valueOf(dead.getMessage()).contains("not connected") || Mounts.isMounted(m.mountPoint()),
                    "expected a dead mount, got " + dead);
            Tool.Result again = Commands.aiofs("mount", "--format", "raw", image.toString(),
                    m.mountPoint().toString());
            assertEquals(1, again.exitCode());
            assertTrue(again.stderr().contains("aiofs unmount"), again.stderr());
            Commands.aiofs("unmount", m.mountPoint().toString()).assertSuccess();
            m.forgetMount();
            assertFalse(Mounts.isMounted(m.mountPoint()));
            assertTrue(Files.isDirectory(m.mountPoint()));
        }
    }
}
