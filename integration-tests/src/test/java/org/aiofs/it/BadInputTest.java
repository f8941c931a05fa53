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
import org.aiofs.testing.Qemu;

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

    /** Only the libfuse2 transport needs the library (the kernel transport is checked to mount without it). */
    @Test
    void noLibfuse() throws IOException {
        refused(Map.of("AIOFS_LIBFUSE", "libfuse-not-here.so.2"), "install the package libfuse2", "mount",
                "--transport", "libfuse2", "--format", "raw", image.toString(), mountPoint.toString());
        Commands.aiofs(Map.of("AIOFS_LIBFUSE", "libfuse-not-here.so.2"), "mount", "--transport", "kernel",
                "--format", "raw", image.toString(), mountPoint.toString()).assertSuccess();
        assertTrue(Mounts.isMounted(mountPoint));
        Commands.aiofs("unmount", mountPoint.toString()).assertSuccess();
    }

    @Test
    void unknownTransport() {
        refused(Map.of(), "unknown transport fuse4", "mount", "--transport", "fuse4", "--format", "raw",
                image.toString(), mountPoint.toString());
    }

    /**
     * The kernel takes few mount options: one libfuse2 takes (allow_root) is refused by name, not
     * passed on to fail obscurely.
     */
    @Test
    void mountOptionTheKernelTransportDoesNotTake() {
        refused(Map.of(), "-o allow_root: not an option of the kernel transport", "mount", "--transport",
                "kernel", "-o", "allow_root", "--format", "raw", image.toString(), mountPoint.toString());
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
        refused(Map.of(), "unknown image format", "mount", "--format", "qed", image.toString(),
                mountPoint.toString());
    }

    @Test
    void unmountOfSomethingNotMounted() {
        refused(Map.of(), "is not mounted", "unmount", mountPoint.toString());
    }

    @Test
    void infoAndCheckOfAMissingFileSayWhatIsMissing() {
        String nope = dir.resolve("nope.qcow2").toString();
        refused(Map.of(), nope + ": no such file", "info", nope);
        refused(Map.of(), nope + ": no such file", "check", nope);
    }

    @Test
    void infoAndCheckOfADirectory() {
        refused(Map.of(), dir + ": is a directory, not an image", "info", dir.toString());
        refused(Map.of(), dir + ": is a directory, not an image", "check", dir.toString());
    }

    /** A FIFO would block open() and read() forever: refused at once, as image or as backing file. */
    @Test
    void fifosAreRefusedAtOnce() {
        Path fifo = dir.resolve("pipe");
        Commands.run("mkfifo", fifo.toString()).assertSuccess();
        Qemu.img("create", "-q", "-f", "qcow2", "-u", "-b", "pipe", "-F", "raw", dir.resolve("over.qcow2").toString(),
                "1M");
        String expected = fifo + ": is a FIFO (named pipe), not an image file or block device";
        refused(Map.of(), expected, "info", fifo.toString());
        refused(Map.of(), expected, "check", fifo.toString());
        refused(Map.of(), expected, "mount", "--read-only", fifo.toString(), mountPoint.toString());
        refused(Map.of(), expected, "info", dir.resolve("over.qcow2").toString());
        refused(Map.of(), expected, "mount", "--read-only", dir.resolve("over.qcow2").toString(),
                mountPoint.toString());
    }

    /** A reader refused because the image is written is not told to try --read-only (it is read-only). */
    @Test
    void secondReaderOfAWrittenImageIsNotToldToUseReadOnly() throws IOException {
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw")) {
            Tool.Result r = Commands.aiofs("mount", "--read-only", "--format", "raw", image.toString(),
                    mountPoint.toString());
            assertEquals(1, r.exitCode(), r.toString());
            assertEquals(1, r.stderrLines().size(), r.stderr());
            assertTrue(r.stderr().contains("is in use: another process (QEMU, or an aiofs mount) holds the \"write\""),
                    r.stderr());
            assertFalse(r.stderr().contains("--read-only"), r.stderr());
        }
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            Tool.Result r = Commands.aiofs("mount", "--format", "raw", image.toString(), mountPoint.toString());
            assertEquals(1, r.exitCode(), r.toString());
            assertTrue(r.stderr().contains("it can still be opened read-only (--read-only)"), r.stderr());
        }
        assertFalse(Mounts.isMounted(mountPoint));
    }

    /** A backing file that is a hard link to the image itself is a loop, not "in use by another process". */
    @Test
    void hardLinkLoopIsNamedALoop() throws IOException {
        Path top = dir.resolve("top.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", top.toString(), "1M");
        Files.createLink(dir.resolve("again.qcow2"), top);
        Qemu.img("rebase", "-u", "-F", "qcow2", "-b", "again.qcow2", top.toString());
        refused(Map.of(), "a loop, refused", "info", top.toString());
        refused(Map.of(), "a loop, refused", "mount", "--read-only", top.toString(), mountPoint.toString());
    }

    /**
     * check's exit codes are qemu-img check's, where 2 means "corruptions found": a usage error
     * exits 1 as in qemu-img, so that a typo is never read as a corrupt image.
     */
    @Test
    void checkUsageErrorsExitAsQemuImgDoes() throws IOException {
        Path qcow2 = dir.resolve("c.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", qcow2.toString(), "1M");
        Tool.Result qemu = Commands.run("qemu-img", "check", "-r", "bogus", qcow2.toString());
        Tool.Result aiofs = Commands.aiofs("check", "--repair=bogus", qcow2.toString());
        assertEquals(qemu.exitCode(), aiofs.exitCode(), aiofs.toString());
        assertEquals(1, aiofs.exitCode());
        assertTrue(aiofs.stderr().contains("--repair must be leaks or all, not bogus"), aiofs.stderr());
        assertEquals(1, Commands.aiofs("check", "-r", "bogus", qcow2.toString()).exitCode());
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
