package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import org.aiofs.aio.nbd.NbdServer;
import org.aiofs.it.NbdExports.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;

/**
 * Backing files across the network, resolved as QEMU resolves them: a qcow2 on an export names
 * its backing file relative to its own URI (a sibling export on the same server: nbdkit's file
 * plugin serves a directory's files by name), a local overlay may name an export by URI, and an
 * image on an export may not name a file on the mounting machine.
 */
@ExtendWith(NoMountLeftBehind.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NbdBackingTest {
    private static final long SIZE = 16L << 20;

    @TempDir
    Path dir;

    @Test
    void aBackingFileOnTheSameServerIsFoundBesideTheImage() throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));
        Path base = images.resolve("base.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", base.toString(), String.valueOf(SIZE));
        Qemu.io(base, "qcow2", "write -P 0x61 0 8M");
        Path top = images.resolve("top.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", top.toString());
        Qemu.io(top, "qcow2", "write -P 0x62 4M 1M");
        Path expected = Qemu.toRaw(top, dir, "expected.raw");
        try (NbdServer server = NbdServer.nbdkit(dir, false, "file", "dir=" + images).start();
             MountedImage m = MountedImage.mount(server.uri("nbd", "top.qcow2", ""), dir, "--read-only")) {
            assertEquals(-1L, Files.mismatch(expected, m.disk()));
            String info = Files.readString(m.file("info.json"));
            assertTrue(info.contains(server.uri("nbd", "base.qcow2", "")), info);
        }
    }

    @Test
    void anImageOnAnExportMayNotNameALocalFile() throws IOException {
        Path secret = TestImages.randomRaw(dir, "secret.img", SIZE, 1);
        Path images = Files.createDirectories(dir.resolve("images"));
        Path top = images.resolve("top.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-b", secret.toString(), "-F", "raw", top.toString());
        try (NbdServer server = NbdServer.nbdkit(dir, false, "file", "dir=" + images).start()) {
            Path mountPoint = Files.createDirectories(dir.resolve("mnt"));
            Tool.Result r = Commands.aiofs("mount", "--read-only", server.uri("nbd", "top.qcow2", ""),
                    mountPoint.toString());
            assertEquals(1, r.exitCode(), r.stderr());
            assertEquals(1, r.stderrLines().size(), r.stderr());
            assertTrue(r.stderr().contains("backing file name " + secret + " names a file on this machine"),
                    r.stderr());
            assertFalse(Mounts.isMounted(mountPoint));
        }
    }

    @Test
    void aLocalImageNamesAnExportOnlyWhenTheUserAllowsAnyName() throws IOException {
        Path base = TestImages.randomRaw(dir, "base.img", SIZE, 3);
        try (NbdServer server = Server.QEMU_NBD.serve(dir, false, base).start()) {
            Path top = dir.resolve("top.qcow2");
            Qemu.img("create", "-q", "-f", "qcow2", "-b", server.uri(), "-F", "raw", top.toString());
            Path mountPoint = Files.createDirectories(dir.resolve("mnt"));
            Tool.Result r = Commands.aiofs("mount", "--read-only", top.toString(), mountPoint.toString());
            assertEquals(1, r.exitCode(), r.stderr());
            assertEquals(1, r.stderrLines().size(), r.stderr());
            assertTrue(r.stderr().contains("is an NBD export; an image may name one only with --allow-backing any"),
                    r.stderr());
            assertFalse(Mounts.isMounted(mountPoint));
        }
    }

    @Test
    void aLocalOverlayOnAnExportReadsThroughAndWritesLocally() throws IOException {
        Path base = TestImages.randomRaw(dir, "base.img", SIZE, 2);
        try (NbdServer server = Server.QEMU_NBD.serve(dir, false, base).start()) {
            Path top = dir.resolve("top.qcow2");
            Qemu.img("create", "-q", "-f", "qcow2", "-b", server.uri(), "-F", "raw", top.toString());
            Path expected = Qemu.toRaw(top, dir, "expected.raw");
            assertEquals(-1L, Files.mismatch(base, expected), "qemu-img did not read the base through NBD");
            byte[] data = new byte[300_000];
            new java.util.Random(4).nextBytes(data);
            try (MountedImage m = MountedImage.mount(top, dir, "--allow-backing", "any")) {
                assertEquals(-1L, Files.mismatch(expected, m.disk()));
                try (FileChannel ch = FileChannel.open(m.disk(), StandardOpenOption.WRITE)) {
                    ByteBuffer b = ByteBuffer.wrap(data);
                    for (long at = 123_457; b.hasRemaining(); ) {
                        at += ch.write(b, at);
                    }
                    ch.force(true);
                }
            }
            NbdExports.assertClean(top);
            try (FileChannel model = FileChannel.open(expected, StandardOpenOption.WRITE)) {
                model.write(ByteBuffer.wrap(data), 123_457);
            }
            NbdExports.assertSameContent(expected, top);
        }
        assertEquals(-1L, Files.mismatch(base, TestImages.randomRaw(dir, "base-again.img", SIZE, 2)),
                "the base on the export was written");
    }
}
