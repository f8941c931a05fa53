package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * `aiofs mount --overlay[=FILE]`: the image is opened read-only and every write goes to a
 * qcow2 overlay; the image stays byte-identical (checksum), a temporary overlay leaves nothing
 * behind, a named one is an ordinary qcow2 overlay that qemu-img checks, compares and commits.
 */
@ExtendWith(NoMountLeftBehind.class)
class OverlayMountTest {
    private static final long SIZE = 32L << 20;

    @TempDir
    Path dir;

    @Test
    void temporaryOverlayLeavesTheImageAndTheTempDirectoryUntouched() throws Exception {
        Path image = dir.resolve("vm.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "32M");
        Qemu.io(image, "qcow2", "write -P 0x11 0 4M");
        String before = sha256(image);
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Path model = Qemu.toRaw(image, dir, "model.raw");
        try (MountedImage m = mount(image, Map.of("TMPDIR", tmp.toString()), "--overlay")) {
            writeBoth(m.disk(), model, 1);
            assertEquals(-1L, Files.mismatch(m.disk(), model), "the mount serves the writes");
            // read-only with a shared lock: QEMU may read the image meanwhile (a write lock would refuse it)
            Qemu.img("info", image.toString());
            assertEquals(List.of(), TestImages.list(tmp), "the temporary overlay is unlinked once open");
            Tool.Result info = Commands.aiofs("info", m.mountPoint().toString()).assertSuccess();
            assertTrue(info.stdout().contains("overlay: temporary"), info.stdout());
        }
        assertEquals(before, sha256(image), "the image must be byte-identical after writes through the mount");
        Qemu.img("check", image.toString());
        assertEquals(List.of(), TestImages.list(tmp));
    }

    @Test
    void namedOverlayIsKeptCheckedComparedAndCommitted() throws Exception {
        Path image = TestImages.randomRaw(dir, "disk.raw", SIZE, 7);
        String before = sha256(image);
        Path overlay = dir.resolve("changes.qcow2");
        Path model = dir.resolve("model.raw");
        Files.copy(image, model);
        try (MountedImage m = mount(image, Map.of(), "--format", "raw", "--overlay=" + overlay)) {
            writeBoth(m.disk(), model, 2);
        }
        assertEquals(before, sha256(image));
        Qemu.img("check", overlay.toString());
        Commands.run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", model.toString(), overlay.toString())
                .assertSuccess();
        Tool.Result info = Commands.run("qemu-img", "info", "--output=json", overlay.toString()).assertSuccess();
        assertTrue(info.stdout().contains("\"backing-filename\": \"" + image + "\""), info.stdout());
        assertTrue(info.stdout().contains("\"backing-filename-format\": \"raw\""), info.stdout());

        // mounting again with the same FILE goes on from there
        try (MountedImage m = mount(image, Map.of(), "-o", "format=raw,overlay=" + overlay)) {
            assertEquals(-1L, Files.mismatch(m.disk(), model), "the kept overlay's writes are served again");
            writeBoth(m.disk(), model, 3);
        }
        Qemu.img("check", overlay.toString());
        assertEquals(before, sha256(image));

        Qemu.img("commit", "-q", overlay.toString());
        assertEquals(-1L, Files.mismatch(image, model), "qemu-img commit merged the overlay into the image");
    }

    @Test
    void anOverlayOfAnotherImageIsRefusedAndNothingIsMounted() throws Exception {
        Path image = dir.resolve("a.qcow2");
        Path other = dir.resolve("b.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "16M");
        Qemu.img("create", "-q", "-f", "qcow2", other.toString(), "16M");
        Path overlay = dir.resolve("of-b.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-b", other.toString(), "-F", "qcow2", overlay.toString());
        Path mountPoint = Files.createDirectory(dir.resolve("mnt"));
        Tool.Result r = Commands.aiofs("mount", "--overlay=" + overlay, image.toString(), mountPoint.toString());
        assertEquals(1, r.exitCode());
        assertEquals(1, r.stderrLines().size(), r.stderr());
        assertTrue(r.stderr().contains("is not an overlay of " + image), r.stderr());
        assertFalse(Mounts.isMounted(mountPoint));
    }

    private MountedImage mount(Path image, Map<String, String> env, String... options) throws IOException {
        return MountedImage.mount(image, dir, env, options);
    }

    /** The same random 64 KiB blocks written through the mount and into the model. */
    private static void writeBoth(Path disk, Path model, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] block = new byte[64 << 10];
        try (RandomAccessFile d = new RandomAccessFile(disk.toFile(), "rw");
                RandomAccessFile m = new RandomAccessFile(model.toFile(), "rw")) {
            for (int i = 0; i < 40; i++) {
                random.nextBytes(block);
                long offset = (long) random.nextInt((int) (SIZE / block.length)) * block.length;
                d.seek(offset);
                d.write(block);
                m.seek(offset);
                m.write(block);
            }
            d.getFD().sync();
        }
    }

    private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
