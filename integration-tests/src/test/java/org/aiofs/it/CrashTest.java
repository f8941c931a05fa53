package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server is SIGKILLed in the middle of a write load, many times: each time QEMU's own
 * check may find leaked clusters but never a corruption, and `aiofs check --repair` then
 * leaves the image clean.
 */
@ExtendWith(NoMountLeftBehind.class)
class CrashTest {
    private static final int KILLS_PER_IMAGE = 4;

    @TempDir
    Path dir;

    @Test
    void killedMidWriteLeavesAtMostLeaks() throws Exception {
        List<Path> images = new ArrayList<>();
        Path plain = dir.resolve("plain.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", plain.toString(), "64M");
        images.add(plain);

        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", base.toString(), "64M");
        Qemu.io(base, "qcow2", "write -P 0x55 0 32M");
        Path overlay = dir.resolve("overlay.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "-o", "cluster_size=65536",
                overlay.toString(), "64M");
        images.add(overlay);

        Path compressedWithSnapshot = dir.resolve("snap.qcow2");
        Qemu.img("convert", "-c", "-O", "qcow2", base.toString(), compressedWithSnapshot.toString());
        Qemu.img("snapshot", "-c", "before", compressedWithSnapshot.toString());
        images.add(compressedWithSnapshot);

        Random random = new Random(2026);
        int kills = 0;
        for (Path image : images) {
            Path before = image == compressedWithSnapshot
                    ? Qemu.snapshotToRaw(image, "before", dir, "before-" + image.getFileName() + ".raw") : null;
            for (int i = 0; i < KILLS_PER_IMAGE; i++) {
                killDuringWrites(image, 50 + random.nextInt(1500), random.nextLong());
                kills++;
                Tool.Result check = Commands.run("qemu-img", "check", image.toString());
                assertTrue(check.exitCode() == 0 || check.exitCode() == 3,
                        "kill " + kills + " on " + image.getFileName() + ": qemu-img check found more than leaks: "
                                + check);
            }
            Tool.Result repair = Commands.aiofs("check", "--repair", image.toString());
            assertEquals(0, repair.exitCode(), "aiofs check --repair: " + repair);
            Commands.run("qemu-img", "check", image.toString()).assertSuccess();
            if (before != null) {
                Path after = Qemu.snapshotToRaw(image, "before", dir, "after-" + image.getFileName() + ".raw");
                assertEquals(-1L, Files.mismatch(before, after), "the snapshot changed");
            }
        }
        assertTrue(kills >= 10, "at least 10 kills, got " + kills);
    }

    /** Mounts, starts fio writing, waits until the mount has served {@code writes} writes, then SIGKILLs the server. */
    private void killDuringWrites(Path image, long writes, long seed) throws Exception {
        MountedImage m = MountedImage.mount(image, dir, "--format", "qcow2");
        m.forgetMount();
        Process fio = new ProcessBuilder("fio", "--name=load", "--filename=" + m.disk(), "--rw=randwrite",
                "--bsrange=512-256k", "--bs_unaligned", "--ioengine=psync", "--numjobs=2", "--time_based",
                "--runtime=60", "--randseed=" + seed, "--fsync=7", "--group_reporting", "--output=/dev/null")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            awaitWrites(m, writes);
            Commands.run("kill", "-KILL", String.valueOf(m.serverPid())).assertSuccess();
            ProcessHandle.of(m.serverPid()).ifPresent(p -> p.onExit().join());
            assertTrue(Mounts.awaitUnmounted(m.mountPoint(), Duration.ofSeconds(30)), "dead mount left behind");
        } finally {
            fio.destroy();
            fio.waitFor();
        }
    }

    /** Reads the mount's live counters until enough writes were served (or fails after a minute). */
    private static void awaitWrites(MountedImage m, long writes) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        ObjectMapper json = new ObjectMapper();
        while (Instant.now().isBefore(deadline)) {
            long served = json.readTree(Files.readString(m.file("info.json"))).at("/counters/writes").asLong();
            if (served >= writes) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("fewer than " + writes + " writes served within a minute");
    }
}
