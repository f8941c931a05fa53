package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.aiofs.testing.Tool;

/**
 * `-o allow_other` lets other users into the mount; the files' modes must then be enforced
 * (issue 10, item 4): user nobody may read root's 0644 disk.raw, but not write it or punch
 * holes in it.
 */
@ExtendWith(NoMountLeftBehind.class)
class AllowOtherTest {
    @TempDir
    Path dir;

    @Test
    void otherUsersGetTheFileModesChecked() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path image = TestImages.randomRaw(dir, "disk.img", 1 << 20, 12);
        byte[] before = Files.readAllBytes(image);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw", "-o", "allow_other")) {
            Tool.Result read = asNobody("dd", "if=" + m.disk(), "of=/dev/null", "bs=4k", "count=1");
            read.assertSuccess();
            Tool.Result write = asNobody("dd", "if=/dev/zero", "of=" + m.disk(), "bs=4k", "count=1",
                    "conv=notrunc");
            assertNotEquals(0, write.exitCode(), "nobody wrote root's disk.raw: " + write);
            assertTrue(write.stderr().contains("Permission denied"), write.stderr());
            Tool.Result punch = asNobody("fallocate", "--punch-hole", "--offset", "0", "--length", "65536",
                    m.disk().toString());
            assertNotEquals(0, punch.exitCode(), "nobody punched a hole in root's disk.raw: " + punch);
        }
        assertArrayEquals(before, Files.readAllBytes(image), "the image changed");
    }

    private static Tool.Result asNobody(String... command) {
        String[] full = new String[command.length + 4];
        full[0] = "setpriv";
        full[1] = "--reuid=65534";
        full[2] = "--regid=65534";
        full[3] = "--clear-groups";
        System.arraycopy(command, 0, full, 4, command.length);
        return Commands.run(full);
    }
}
