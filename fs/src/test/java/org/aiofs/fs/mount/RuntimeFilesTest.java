package org.aiofs.fs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where mount servers keep pid files and logs: private directories, names a user can read. */
class RuntimeFilesTest {
    @TempDir
    Path dir;

    @Test
    void namesFollowTheMountpointAndNeverCollide() {
        assertEquals("mnt-vm", RuntimeFiles.name(Path.of("/mnt/vm")));
        assertEquals("srv-images-disk1", RuntimeFiles.name(Path.of("/srv/images/disk1")));
        // '-' in a path, or a character replaced, could stand for another path: a hash tells them apart
        String dashed = RuntimeFiles.name(Path.of("/mnt/a-b"));
        String nested = RuntimeFiles.name(Path.of("/mnt/a/b"));
        assertTrue(dashed.startsWith("mnt-a-b."), dashed);
        assertNotEquals(dashed, nested);
        assertNotEquals(RuntimeFiles.name(Path.of("/mnt/my disk")), RuntimeFiles.name(Path.of("/mnt/my_disk")));
        assertTrue(RuntimeFiles.name(Path.of("/mnt/my disk")).matches("[A-Za-z0-9._-]+"));
        String longName = RuntimeFiles.name(Path.of("/" + "x".repeat(300) + "/vm"));
        assertTrue(longName.length() < 220 && longName.contains("-vm."), longName);
    }

    @Test
    void aMissingDirectoryIsMadePrivate() throws IOException {
        Path run = dir.resolve("aiofs");
        RuntimeDirectory.ensurePrivate(run, RuntimeDirectory.uid());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(run)));
    }

    @Test
    void anOwnDirectoryLeftOpenIsClosedDown() throws IOException {
        Path run = Files.createDirectory(dir.resolve("aiofs"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxrwxrwx"));
        RuntimeDirectory.ensurePrivate(run, RuntimeDirectory.uid());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(run)));
    }

    @Test
    void aSymlinkOrSomeoneElsesDirectoryIsRefused() throws IOException {
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), elsewhere);
        IOException e = assertThrows(IOException.class, () -> RuntimeDirectory.ensurePrivate(link,
                RuntimeDirectory.uid()));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
        // a directory made first by another user (here: owned by another uid than the one asking)
        int someoneElse = RuntimeDirectory.uid() + 1;
        e = assertThrows(IOException.class, () -> RuntimeDirectory.ensurePrivate(elsewhere, someoneElse));
        assertTrue(e.getMessage().contains("belongs to uid"), e.getMessage());
    }

    @Test
    void eachMountGetsItsOwnLogAndOldOnesAreCleanedUp() throws IOException {
        RuntimeFiles files = RuntimeFiles.in(Files.createDirectory(dir.resolve("run")), dir.resolve("mnt"));
        List<Path> logs = new ArrayList<>();
        for (int i = 0; i < RuntimeFiles.LOGS_KEPT + 3; i++) {
            Path log = files.newLogFile();
            assertFalse(logs.contains(log), "a fresh log each time: " + log);
            logs.add(log);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log)));
        }
        assertEquals(logs.subList(3, logs.size()), files.logs(), "the newest are kept");
    }
}
