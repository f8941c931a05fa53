package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkout's ./aiofs as a user links it: through a symlink on PATH it still finds its jar,
 * and named mount.fuse.aiofs it is mount(8)'s helper (checked with -f, mount's "fake": the
 * machine's /sbin is not touched, and -f runs a real mount's checks), and it starts from the
 * archive and native stub it made.
 */
@ExtendWith(NoMountLeftBehind.class)
class LauncherTest {
    @TempDir
    Path dir;

    private Path launcher() {
        return Path.of(System.getProperty("aiofs.root")).resolve("aiofs").toAbsolutePath().normalize();
    }

    private Path smallQcow2() {
        Path image = dir.resolve("vm.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "1M");
        return image;
    }

    /** The launcher as mount(8) finds it: a link named mount.fuse.aiofs. */
    private Path mountHelper() throws IOException {
        return Files.createSymbolicLink(dir.resolve("mount.fuse.aiofs"), launcher());
    }

    @Test
    void worksThroughASymlink() throws IOException {
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Path link = Files.createSymbolicLink(bin.resolve("aiofs"), launcher());
        Tool.Result r = Commands.run(link.toString(), "--version").assertSuccess();
        assertTrue(r.stdout().startsWith("aiofs 0.1.0"), r.stdout() + r.stderr());
    }

    /** jffi would copy its stub into a temporary directory at every start; the launcher points it at one made once. */
    @Test
    void usesTheNativeStubUnpackedWithItsArchive() throws IOException {
        Path image = smallQcow2();
        Tool.Result r = Commands.run(Map.of("JAVA_TOOL_OPTIONS", "-Djffi.extract.dir=" + dir.resolve("nowhere")),
                List.of(launcher().toString(), "info", image.toString())).assertSuccess();
        assertTrue(r.stdout().contains("file format: qcow2"), r.stdout() + r.stderr());
    }

    @Test
    void asMountFuseAiofsItTakesMountsArguments() throws IOException {
        Path link = mountHelper();
        Path image = smallQcow2();
        Path mountPoint = Files.createDirectory(dir.resolve("mnt"));
        Commands.run(link.toString(), image.toString(), mountPoint.toString(), "-f", "-o", "ro,noauto,format=qcow2")
                .assertSuccess();
        Tool.Result r = Commands.run(link.toString(), image.toString(), mountPoint.toString(), "-f", "-o",
                "ro,bogus");
        assertEquals(1, r.exitCode(), "mount(8)'s usage code");
        assertTrue(r.stderr().startsWith("aiofs: unknown mount option 'bogus'"), r.stderr());
        assertFalse(Mounts.isMounted(mountPoint));
    }

    /** mount -f checks what a real mount would check first: the transport's options, the image, the mountpoint. */
    @Test
    void fakeMountRunsTheChecksOfARealOne() throws IOException {
        Path link = mountHelper();
        Path image = smallQcow2();
        Path mountPoint = Files.createDirectory(dir.resolve("mnt"));

        Tool.Result libfuseOnly = Commands.run(link.toString(), image.toString(), mountPoint.toString(), "-f", "-o",
                "nonempty");
        assertEquals(32, libfuseOnly.exitCode(), "mount(8)'s failure code");
        assertTrue(libfuseOnly.stderr().startsWith("aiofs: -o nonempty: not an option of the kernel transport"),
                libfuseOnly.stderr());

        Tool.Result missing = Commands.run(link.toString(), dir.resolve("nothere.qcow2").toString(),
                mountPoint.toString(), "-f");
        assertEquals(32, missing.exitCode());
        assertTrue(missing.stderr().contains("nothere.qcow2 does not exist"), missing.stderr());

        Tool.Result noDirectory = Commands.run(link.toString(), image.toString(), dir.resolve("nodir").toString(),
                "-f");
        assertEquals(32, noDirectory.exitCode(), noDirectory.stderr());
        assertFalse(Mounts.isMounted(mountPoint));
    }
}
