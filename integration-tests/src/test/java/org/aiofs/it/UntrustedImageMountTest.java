package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;

/**
 * Images a user did not make, mounted for real (issue 10, items 2 and 5): the files they name
 * stay inside their directory unless the user allows more, a data file that is the image
 * itself is refused, and QEMU cannot write a data file while aiofs serves its image.
 */
@ExtendWith(NoMountLeftBehind.class)
class UntrustedImageMountTest {
    @TempDir
    Path root;

    Path dir;
    Path mountPoint;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createDirectory(root.resolve("downloads"));
        mountPoint = Files.createDirectory(root.resolve("mnt"));
    }

    @Test
    void backingFileOutsideTheDirectoryIsRefusedUnlessAllowed() throws IOException {
        Path evil = dir.resolve("appliance.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-u", "-b", "/etc/passwd", "-F", "raw", evil.toString(), "1M");
        Tool.Result r = Commands.aiofs("mount", "--read-only", evil.toString(), mountPoint.toString());
        assertEquals(1, r.exitCode(), r.toString());
        assertEquals(1, r.stderrLines().size(), r.stderr());
        assertTrue(r.stderr().contains("backing file '/etc/passwd' named in the image"), r.stderr());
        assertTrue(r.stderr().contains("--allow-backing /etc"), r.stderr());
        assertFalse(Mounts.isMounted(mountPoint));
        Tool.Result info = Commands.aiofs("info", evil.toString());
        assertEquals(1, info.exitCode(), info.toString());

        // the user's opt-in: followed, and the chain it follows is said
        try (MountedImage m = MountedImage.mount(evil, root, "--read-only", "--allow-backing", "/etc")) {
            byte[] passwd = Files.readAllBytes(Path.of("/etc/passwd"));
            byte[] head = new byte[passwd.length];
            try (InputStream in = Files.newInputStream(m.disk())) {
                assertEquals(passwd.length, in.readNBytes(head, 0, head.length));
            }
            assertArrayEquals(passwd, head);
        }
        Tool.Result noted = Commands.aiofs("mount", "--read-only", "--allow-backing", "any", evil.toString(),
                mountPoint.toString());
        try {
            noted.assertSuccess();
            assertTrue(noted.stderr().contains("note: " + evil + ": its chain leaves " + dir.toRealPath()),
                    noted.stderr());
            assertTrue(noted.stderr().contains("backing file /etc/passwd"), noted.stderr());
        } finally {
            Commands.aiofs("unmount", mountPoint.toString()).assertSuccess();
        }
    }

    /** A data file naming a host file outside the directory would be written through disk.raw. */
    @Test
    void dataFileOutsideTheDirectoryIsNeverWritten() throws IOException {
        Path victim = TestImages.randomRaw(root, "victim.raw", 1 << 20, 13);
        byte[] before = Files.readAllBytes(victim);
        Path evil = dir.resolve("evil.qcow2");
        Commands.runIn(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "data_file=../victim.raw,data_file_raw=on",
                evil.toString(), "1M").assertSuccess();
        Files.write(victim, before); // qemu-img create truncated it: put the victim's bytes back
        Tool.Result r = Commands.aiofs("mount", "--format", "qcow2", evil.toString(), mountPoint.toString());
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("external data file '../victim.raw'"), r.stderr());
        assertFalse(Mounts.isMounted(mountPoint));
        assertArrayEquals(before, Files.readAllBytes(victim));
    }

    /** data_file_raw naming the image: a 4 KiB write to disk.raw would have zeroed the qcow2 header. */
    @Test
    void dataFileThatIsTheImageIsRefused() throws IOException {
        Path self = dir.resolve("self.qcow2");
        Commands.runIn(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "data_file=self.data,data_file_raw=on",
                self.toString(), "16M").assertSuccess();
        Commands.runIn(dir, "qemu-img", "amend", "-f", "qcow2", "-o", "data_file=self.qcow2", self.toString())
                .assertSuccess();
        byte[] before = Files.readAllBytes(self);
        for (String readOnly : new String[] {"--read-only", "--format=qcow2"}) {
            Tool.Result r = Commands.aiofs("mount", readOnly, self.toString(), mountPoint.toString());
            assertEquals(1, r.exitCode(), r.toString());
            assertEquals(1, r.stderrLines().size(), r.stderr());
            assertTrue(r.stderr().contains("already part of this image (as its image): a loop"), r.stderr());
            assertFalse(Mounts.isMounted(mountPoint));
        }
        assertTrue(Arrays.equals(before, Files.readAllBytes(self)), "the image changed");
    }

    /** While aiofs writes an image, its data file is locked as QEMU locks it: qemu-io -f raw is refused. */
    @Test
    void dataFileIsLockedWhileTheImageIsServedWritable() throws IOException {
        Path image = dir.resolve("d.qcow2");
        Path data = dir.resolve("d.data");
        Commands.runIn(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "data_file=d.data,data_file_raw=on",
                image.toString(), "16M").assertSuccess();
        try (MountedImage m = MountedImage.mount(image, root, "--format", "qcow2")) {
            Tool.Result io = Commands.run("qemu-io", "-f", "raw", "-c", "write 0 4k", data.toString());
            assertTrue(io.exitCode() != 0, io.toString());
            assertTrue((io.stdout() + io.stderr()).contains("Failed to get \"write\" lock"), io.toString());
        }
        Qemu.io(data, "raw", "write -P 7 0 4k"); // free again once unmounted
    }
}
