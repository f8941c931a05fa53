package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What `aiofs mount` and `aiofs info MOUNTPOINT` tell and do, on real mounts: `-o ro` is
 * --read-only everywhere, libfuse's refusal reaches the terminal, each mount has its own log
 * in a private directory, and info on a mountpoint reads as info on an image.
 */
@ExtendWith(NoMountLeftBehind.class)
class MountOptionsTest {
    @TempDir
    Path dir;

    @Test
    void optionRoIsReadOnlyForTheFilesTheImageAndInfo() throws IOException {
        Path image = dir.resolve("vm.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "16M");
        try (MountedImage m = MountedImage.mount(image, dir, "-o", "ro")) {
            assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(m.disk())));
            Tool.Result info = Commands.aiofs("info", m.mountPoint().toString()).assertSuccess();
            assertTrue(info.stdout().contains("read-only: true"), info.stdout());
            // the image holds a read lock only: QEMU's reader gets its shared lock (a writer's lock refuses it)
            Qemu.img("info", image.toString());
            assertTrue(Mounts.mountOptions(m.mountPoint()).startsWith("ro,"), Mounts.mountOptions(m.mountPoint()));
        }
    }

    /** libfuse 2 refuses a non-empty mountpoint (the kernel transport, like fuse3, does not): its words reach us. */
    @Test
    void libfusesReasonReachesTheTerminal() throws IOException {
        Path image = dir.resolve("vm.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "16M");
        Path mountPoint = Files.createDirectory(dir.resolve("full"));
        Files.writeString(mountPoint.resolve("something"), "x");
        Tool.Result r = Commands.aiofs("mount", "--transport", "libfuse2", "--read-only", image.toString(),
                mountPoint.toString());
        assertEquals(1, r.exitCode());
        assertEquals(1, r.stderrLines().size(), r.stderr());
        assertTrue(r.stderr().contains("fuse: mountpoint is not empty"), r.stderr());
        assertFalse(r.stderr().contains("see its message"), r.stderr());
        assertFalse(Mounts.isMounted(mountPoint));
    }

    @Test
    void infoOnAMountpointCountsPartitionFilesAndSaysWhereItsLogIs() throws IOException {
        Path image = TestImages.sparseRaw(dir, "disk.img", 64L << 20);
        SfdiskLayout.write(image, "label: dos\n,16M,83\n,,5\n,8M,83\n,,83\n");
        Path firstLog;
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw", "--read-only")) {
            List<String> files;
            try (Stream<Path> s = Files.list(m.mountPoint())) {
                files = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("part")).sorted().toList();
            }
            assertEquals(List.of("part1.raw", "part5.raw", "part6.raw"), files);
            String info = Commands.aiofs("info", m.mountPoint().toString()).assertSuccess().stdout();
            assertTrue(info.contains("partitions: mbr, 3 files: part1.raw, part5.raw, part6.raw (extended partition 2"),
                    info);
            assertTrue(info.contains("virtual size: 64 MiB (67108864 bytes)"), info);
            firstLog = Path.of(line(info, "log: "));
            assertTrue(Files.isRegularFile(firstLog), info);
            assertTrue(Files.readString(firstLog).contains("serving " + m.mountPoint().toRealPath()));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    firstLog.getParent())), "the runtime directory is private");
            Path mountPoint = m.mountPoint();
            m.unmount();
            // a second mount on the same mountpoint gets a log of its own; the first one stays
            try (MountedImage again = MountedImage.mountOn(image, mountPoint, dir, "--format", "raw", "--read-only")) {
                String info2 = Commands.aiofs("info", again.mountPoint().toString()).assertSuccess().stdout();
                Path secondLog = Path.of(line(info2, "log: "));
                assertFalse(secondLog.equals(firstLog), info2);
                assertTrue(Files.isRegularFile(firstLog) && Files.isRegularFile(secondLog));
            }
        }
    }

    private static String line(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + prefix + "' in:\n" + text)).substring(prefix.length());
    }
}
