package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.aiofs.testing.Tool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input: one line on stderr naming what is wrong, exit 1, nothing mounted. */
@ExtendWith(NoMountLeftBehind.class)
class BadInputTest {
    @TempDir
    Path dir;

    Path image;
    Path mountPoint;

    @BeforeEach
    void setUp() throws IOException {
        image = TestImages.sparseRaw(dir, "disk.img", 1 << 20);
        mountPoint = Files.createDirectory(dir.resolve("mnt"));
    }

    @Test
    void missingImage() {
        refused(Map.of(), "does not exist", "mount", "--format", "raw", dir.resolve("nope.img").toString(),
                mountPoint.toString());
    }

    @Test
    void imageThatIsADirectory() {
        refused(Map.of(), "is a directory", "mount", "--format", "raw", dir.toString(), mountPoint.toString());
    }

    @Test
    void missingMountPoint() {
        refused(Map.of(), "does not exist", "mount", "--format", "raw", image.toString(),
                dir.resolve("nowhere").toString());
    }

    @Test
    void mountPointThatIsAFile() {
        refused(Map.of(), "is not a directory", "mount", "--format", "raw", image.toString(), image.toString());
    }

    @Test
    void mountPointAlreadyMounted() throws IOException {
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            Tool.Result r = Commands.aiofs("mount", "--read-only", image.toString(), m.mountPoint().toString());
            assertEquals(1, r.exitCode());
            assertEquals(1, r.stderrLines().size(), r.stderr());
            assertTrue(r.stderr().contains("already a mount point"), r.stderr());
            assertTrue(Mounts.isMounted(m.mountPoint()), "the first mount must survive");
        }
    }

    @Test
    void noFuseDevice() {
        refused(Map.of("AIOFS_FUSE_DEVICE", dir.resolve("no-fuse").toString()), "modprobe fuse", "mount",
                "--format", "raw", image.toString(), mountPoint.toString());
    }

    @Test
    void noLibfuse() {
        refused(Map.of("AIOFS_LIBFUSE", "libfuse-not-here.so.2"), "install the package libfuse2", "mount",
                "--format", "raw", image.toString(), mountPoint.toString());
    }

    @Test
    void imageReadOnlyOnDiskOpenedForWriting() throws IOException {
        Files.setPosixFilePermissions(image, PosixFilePermissions.fromString("r--r--r--"));
        refused(Map.of(), "read-only on disk", "mount", "--format", "raw", image.toString(), mountPoint.toString());
    }

    @Test
    void probedRawImageIsNotOpenedForWriting() {
        refused(Map.of(), "probed as raw", "mount", image.toString(), mountPoint.toString());
    }

    @Test
    void unknownFormat() {
        refused(Map.of(), "unknown image format", "mount", "--format", "vmdk", image.toString(),
                mountPoint.toString());
    }

    @Test
    void unmountOfSomethingNotMounted() {
        refused(Map.of(), "is not mounted", "unmount", mountPoint.toString());
    }

    private void refused(Map<String, String> env, String expected, String... args) {
        Tool.Result r = Commands.aiofs(env, args);
        assertEquals(1, r.exitCode(), "exit code; stderr: " + r.stderr());
        assertEquals(1, r.stderrLines().size(), "one line on stderr, got: " + r.stderr());
        assertTrue(r.stderr().startsWith("aiofs: "), r.stderr());
        assertTrue(r.stderr().contains(expected), "expected '" + expected + "' in: " + r.stderr());
        assertFalse(Mounts.isMounted(mountPoint), "something was mounted");
    }
}
