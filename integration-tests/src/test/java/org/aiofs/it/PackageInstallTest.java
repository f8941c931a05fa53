package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.aiofs.testing.Tool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package as a user meets it: installed with apt in a clean Debian container
 * (aiofs-test-jre: Debian 12 with a Java runtime and libfuse2 from Debian, no Maven, no
 * network), then `aiofs --version`, `man`, bash completion, and mounts through mount(8):
 * `mount -t fuse.aiofs` and an fstab line (a temporary fstab, `mount -T`), `umount`, judged by
 * qemu-img inside the container.
 */
class PackageInstallTest {
    @TempDir
    static Path work;
    private static ToolsContainer box;
    private static String deb;

    @BeforeAll
    static void install() throws IOException {
        Path dist = Path.of(System.getProperty("aiofs.dist")).toAbsolutePath().normalize();
        Path package_;
        try (Stream<Path> files = Files.list(dist)) {
            List<Path> debs = files.filter(p -> p.toString().endsWith(".deb")).toList();
            assertEquals(1, debs.size(), "one package in " + dist + ": " + debs);
            package_ = debs.get(0);
        }
        deb = "/dist/" + package_.getFileName();
        box = new ToolsContainer(ToolsContainer.JRE_IMAGE, work, Map.of(dist, "/dist"), List.of("/dev/fuse"));
        // no network: apt can only succeed if everything the package depends on is there already
        box.exec("apt-get", "install", "-y", "-q", deb).assertSuccess();
    }

    @AfterAll
    static void stop() {
        if (box != null) {
            box.close();
        }
    }

    @Test
    void declaresWhatItNeedsAndNoMaven() {
        String depends = box.exec("dpkg-deb", "-f", deb, "Depends").assertSuccess().stdout();
        for (String needed : List.of("java17-runtime-headless", "libfuse2", "fuse3")) {
            assertTrue(depends.contains(needed), depends);
        }
        assertFalse(box.exec("sh", "-c", "command -v mvn").exitCode() == 0, "no Maven in the container");
    }

    @Test
    void runsFromPathWithItsStartupArchive() {
        Tool.Result version = box.exec("aiofs", "--version").assertSuccess();
        assertTrue(version.stdout().startsWith("aiofs 0.1.0"), version.stdout());
        assertTrue(version.stderr().isEmpty(), version.stderr());
        box.exec("test", "-s", "/var/cache/aiofs/aiofs.jsa").assertSuccess();
        // the JVM maps the archive made at installation (it silently ignores one made for another jar or JVM)
        Tool.Result cds = box.exec("sh", "-c", "java -Xshare:on -XX:SharedArchiveFile=/var/cache/aiofs/aiofs.jsa"
                + " -cp /usr/share/aiofs/aiofs.jar org.aiofs.fs.cli.AiofsCommand --version");
        cds.assertSuccess();
    }

    @Test
    void hasAManPagePerCommand() {
        for (String page : List.of("aiofs", "aiofs-mount", "aiofs-unmount", "aiofs-info", "aiofs-check",
                "aiofs-create", "aiofs-bench", "aiofs-demo", "mount.fuse.aiofs")) {
            Tool.Result man = box.exec("sh", "-c", "MANWIDTH=100 man -P cat " + page).assertSuccess();
            assertTrue(man.stdout().contains("NAME"), page + ":\n" + man.stdout());
        }
        String mount = box.exec("sh", "-c", "MANWIDTH=100 man -P cat aiofs-mount").stdout();
        assertTrue(mount.contains("--overlay[=FILE]") && mount.contains("-o OPTION"), mount);
    }

    @Test
    void completesCommandsAndOptions() {
        String complete = "source /usr/share/bash-completion/bash_completion; _completion_loader aiofs;"
                + " f=$(complete -p aiofs | sed -E 's/.*-F ([^ ]+) .*/\\1/');"
                + " COMP_WORDS=(aiofs %s); COMP_CWORD=%d; COMP_LINE='aiofs %s'; COMP_POINT=${#COMP_LINE};"
                + " $f aiofs '%s' '%s'; printf '%%s\\n' \"${COMPREPLY[@]}\"";
        Tool.Result commands = box.exec("bash", "-c", String.format(complete, "mo", 1, "mo", "mo", "aiofs"))
                .assertSuccess();
        assertTrue(commands.stdout().lines().anyMatch("mount"::equals), commands.stdout());
        Tool.Result options = box.exec("bash", "-c", String.format(complete, "mount --ov", 2, "mount --ov", "--ov",
                "mount")).assertSuccess();
        assertTrue(options.stdout().contains("--overlay"), options.stdout());
    }

    @Test
    void mountTypeFuseAiofsIsReadOnlyWithRoAndUmountWaits() {
        box.exec("qemu-img", "create", "-q", "-f", "qcow2", "/root/ro.qcow2", "16M").assertSuccess();
        box.exec("qemu-io", "-c", "write -P 0x5a 1M 2M", "/root/ro.qcow2").assertSuccess();
        box.exec("mkdir", "-p", "/mnt/ro").assertSuccess();
        box.exec("mount", "-t", "fuse.aiofs", "/root/ro.qcow2", "/mnt/ro", "-o", "ro,format=qcow2").assertSuccess();
        try {
            assertEquals("444", box.exec("stat", "-c", "%a", "/mnt/ro/disk.raw").assertSuccess().stdout().trim());
            assertTrue(box.exec("grep", "\"read_only\" : true", "/mnt/ro/info.json").exitCode() == 0);
            box.exec("qemu-img", "convert", "-O", "raw", "/root/ro.qcow2", "/root/ro.raw").assertSuccess();
            box.exec("cmp", "/mnt/ro/disk.raw", "/root/ro.raw").assertSuccess();
            // read-only means a shared lock: QEMU may open the image for reading meanwhile
            box.exec("qemu-img", "info", "/root/ro.qcow2").assertSuccess();
        } finally {
            box.exec("umount", "/mnt/ro").assertSuccess();
        }
        assertFalse(box.exec("grep", "-q", " /mnt/ro ", "/proc/self/mountinfo").exitCode() == 0, "still mounted");
        // umount ran umount.fuse.aiofs, which returns once the server has closed the image: it is unlocked now
        box.exec("qemu-io", "-c", "write -P 1 0 4k", "/root/ro.qcow2").assertSuccess();
    }

    @Test
    void fstabLineMountsWithMountDirAndWritesReachTheImage() {
        box.exec("qemu-img", "create", "-q", "-f", "qcow2", "/root/vm.qcow2", "16M").assertSuccess();
        box.exec("mkdir", "-p", "/mnt/vm").assertSuccess();
        box.exec("sh", "-c", "echo '/root/vm.qcow2 /mnt/vm fuse.aiofs rw,noauto,x-systemd.automount,_netdev,"
                + "format=qcow2 0 0' > /root/fstab").assertSuccess();
        box.exec("mount", "-T", "/root/fstab", "/mnt/vm").assertSuccess();
        try {
            box.exec("sh", "-c", "head -c 3M /dev/urandom > /root/data && dd if=/root/data of=/mnt/vm/disk.raw"
                    + " bs=64k seek=16 conv=notrunc,fsync status=none").assertSuccess();
        } finally {
            box.exec("umount", "/mnt/vm").assertSuccess();
        }
        // the model: the same bytes in a raw file, compared with what qemu-img reads from the image
        box.exec("sh", "-c", "truncate -s 16M /root/model.raw && dd if=/root/data of=/root/model.raw bs=64k seek=16"
                + " conv=notrunc status=none").assertSuccess();
        box.exec("qemu-img", "check", "/root/vm.qcow2").assertSuccess();
        box.exec("qemu-img", "compare", "-f", "raw", "-F", "qcow2", "/root/model.raw", "/root/vm.qcow2")
                .assertSuccess();
    }

    @Test
    void unknownMountOptionIsRefusedInOneLine() {
        box.exec("qemu-img", "create", "-q", "-f", "qcow2", "/root/x.qcow2", "1M").assertSuccess();
        box.exec("mkdir", "-p", "/mnt/x").assertSuccess();
        Tool.Result r = box.exec("mount", "-t", "fuse.aiofs", "/root/x.qcow2", "/mnt/x", "-o", "ro,bogus");
        assertTrue(r.exitCode() != 0);
        assertTrue(r.stderr().contains("unknown mount option 'bogus'"), r.stderr());
        assertFalse(box.exec("grep", "-q", " /mnt/x ", "/proc/self/mountinfo").exitCode() == 0);
    }
}
