package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user who is not root mounts with the kernel transport: fusermount3 mounts and hands the
 * FUSE descriptor over; its auto_unmount leaves nothing mounted when the server is killed.
 * (The user is nobody; root can't look inside a user's mount without allow_other, so the
 * checks of content run as nobody too. fusermount3 opens /dev/fuse with the user's rights:
 * this machine's is 0600, so the test opens it to everyone, as distributions ship it, and
 * puts its mode back afterwards.)
 */
@ExtendWith(NoMountLeftBehind.class)
class UserMountTest {
    private static final String NOBODY = "65534";
    private static final Path DEVICE = Path.of("/dev/fuse");

    @TempDir
    Path dir;

    Path home;
    Path image;
    Path mnt;
    Set<PosixFilePermission> deviceMode;

    @BeforeEach
    void setUp() throws IOException {
        deviceMode = Files.getPosixFilePermissions(DEVICE);
        Files.setPosixFilePermissions(DEVICE, PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        home = Files.createDirectory(dir.resolve("nobody"));
        image = TestImages.randomRaw(home, "disk.img", 8L << 20, 41);
        mnt = Files.createDirectory(home.resolve("mnt"));
        Files.createDirectory(home.resolve("run"));
        Commands.run("chown", "-R", NOBODY + ":" + NOBODY, home.toString()).assertSuccess();
    }

    @AfterEach
    void restoreDevice() throws IOException {
        Files.setPosixFilePermissions(DEVICE, deviceMode);
    }

    @Test
    void fusermountMountsServesAndCleansUpAfterAKill() throws IOException, InterruptedException {
        Path pidFile = home.resolve("server.pid");
        asNobody("mount", "--transport", "kernel", "--format", "raw", "--pid-file", pidFile.toString(),
                image.toString(), mnt.toString()).assertSuccess();
        assertTrue(Mounts.isMounted(mnt));
        String line = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(" " + mnt + " ")).findFirst().orElseThrow();
        assertTrue(line.contains(" - fuse.aiofs ") && line.contains("user_id=" + NOBODY), line);

        runAsNobody("cmp", mnt.resolve("disk.raw").toString(), image.toString()).assertSuccess();
        String info = runAsNobody("cat", mnt.resolve("info.json").toString()).assertSuccess().stdout();
        assertEquals("fusermount3", new ObjectMapper().readTree(info).at("/transport/mounted_with").asText(), info);
        String passthrough = new ObjectMapper().readTree(info).at("/transport/passthrough").toString();
        assertTrue(passthrough.contains("\"files\":[]") && passthrough.contains("lacks CAP_SYS_ADMIN"), passthrough);

        long pid = Long.parseLong(Files.readString(pidFile).trim());
        Commands.run("kill", "-KILL", String.valueOf(pid)).assertSuccess();
        ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
        assertTrue(Mounts.awaitUnmounted(mnt, Duration.ofSeconds(30)), "fusermount3's auto_unmount left it mounted");
    }

    @Test
    void userUnmountsAndTheImageHoldsWhatWasWritten() throws IOException {
        asNobody("mount", "--transport", "kernel", "--format", "raw", image.toString(), mnt.toString())
                .assertSuccess();
        runAsNobody("dd", "if=/dev/zero", "of=" + mnt.resolve("disk.raw"), "bs=64k", "count=1", "seek=3",
                "conv=notrunc,fsync").assertSuccess();
        asNobody("unmount", mnt.toString()).assertSuccess();
        assertTrue(!Mounts.isMounted(mnt));
        byte[] bytes = Files.readAllBytes(image);
        assertTrue(RawMountTest.allZero(bytes, 3 << 16, 1 << 16), "the write through the user's mount is missing");
    }

    private Tool.Result asNobody(String... aiofsArgs) {
        List<String> command = new ArrayList<>(List.of(Commands.javaBinary(), "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", Commands.aiofsJar().toString(), "org.aiofs.fs.cli.AiofsCommand"));
        command.addAll(List.of(aiofsArgs));
        return runAsNobody(command.toArray(String[]::new));
    }

    private Tool.Result runAsNobody(String... command) {
        List<String> all = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups"));
        all.addAll(List.of(command));
        return Commands.run(Map.of("XDG_RUNTIME_DIR", home.resolve("run").toString(), "HOME", home.toString()),
                all);
    }
}
