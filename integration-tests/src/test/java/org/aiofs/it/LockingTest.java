package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** aiofs and a real QEMU process refuse each other's images the way two QEMUs would. */
@ExtendWith(NoMountLeftBehind.class)
@SuppressWarnings("try") // holding an image open is the point of several resources here
class LockingTest {
    @TempDir
    Path dir;

    @Test
    void qemuRefusesAnImageAiofsWrites() throws IOException {
        Path image = TestImages.sparseRaw(dir, "disk.img", 1 << 20);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw")) {
            Tool.Result io = Commands.run("qemu-io", "-f", "raw", "-c", "write 0 512", image.toString());
            assertTrue(io.exitCode() != 0, io.toString());
            assertTrue((io.stdout() + io.stderr()).contains("Failed to get \"write\" lock"), io.toString());
            // reading with QEMU's "force share" stays possible, as with a running VM
            Commands.run("qemu-img", "info", "-U", image.toString()).assertSuccess();
        }
    }

    @Test
    void aiofsRefusesAnImageQemuWrites() throws IOException {
        Path image = TestImages.sparseRaw(dir, "disk.img", 1 << 20);
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        try (QemuIoSession qemu = new QemuIoSession(image, "raw", false)) {
            Tool.Result rw = Commands.aiofs("mount", "--format", "raw", image.toString(), mnt.toString());
            assertEquals(1, rw.exitCode(), rw.toString());
            assertEquals(1, rw.stderrLines().size(), rw.stderr());
            assertTrue(rw.stderr().contains("is in use"), rw.stderr());
            Tool.Result ro = Commands.aiofs("mount", "--read-only", image.toString(), mnt.toString());
            assertEquals(1, ro.exitCode(), "a reader needs the image not to change under it: " + ro);
            assertFalse(Mounts.isMounted(mnt));
        }
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw")) {
            assertTrue(Mounts.isMounted(m.mountPoint()), "mountable once QEMU has let go");
        }
    }

    @Test
    void readersShare() throws IOException {
        Path image = TestImages.sparseRaw(dir, "disk.img", 1 << 20);
        try (QemuIoSession qemu = new QemuIoSession(image, "raw", true);
             MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            assertEquals(1 << 20, Files.size(m.disk()));
            Tool.Result writer = Commands.run("qemu-io", "-f", "raw", "-c", "write 0 512", image.toString());
            assertTrue(writer.exitCode() != 0, "a writer must be refused while aiofs reads: " + writer);
        }
    }
}
