package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.aiofs.image.BlockImage;
import org.aiofs.image.CreateRequest;
import org.aiofs.image.ImageLocation;
import org.aiofs.image.open.ImageDrivers;
import org.aiofs.image.open.ImageOpener;

/**
 * The image a mount serves: the user's image, or, with {@link Overlay}, a qcow2 overlay
 * whose backing file is the user's image, opened read-only under it (qcow2 because
 * {@code qemu-img commit} merges a qcow2 overlay into a base of any format).
 */
final class ServedImage {
    /** The overlay's format. */
    private static final String OVERLAY_FORMAT = "qcow2";

    private ServedImage() {
    }

    static BlockImage open(MountOptions options, ImageOpener opener) throws IOException {
        if (options.overlay() == null) {
            return opener.open(options.image(), options.format(), options.readOnly());
        }
        BlockImage base = opener.open(options.image(), options.format(), true);
        Overlay overlay = options.overlay();
        if (overlay.isTemporary()) {
            return openTemporary(opener, base);
        }
        Path file = overlay.file();
        if (Files.exists(file)) {
            return opener.openOverlay(file, base); // an overlay of this image from an earlier mount: go on with it
        }
        try {
            create(file, base);
        } catch (IOException | RuntimeException e) {
            base.close();
            throw e;
        }
        try {
            return opener.openOverlay(file, base);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /**
     * A temporary overlay in a private directory under $TMPDIR (default /var/tmp, as QEMU's
     * snapshot=on), unlinked as soon as it is open: the mount's open file keeps it until the
     * unmount closes it, and nothing is left behind, even after a crash.
     */
    private static BlockImage openTemporary(ImageOpener opener, BlockImage base) throws IOException {
        Path dir;
        Path file;
        try {
            String tmp = System.getenv("TMPDIR");
            dir = Files.createTempDirectory(Path.of(tmp == null || tmp.isEmpty() ? "/var/tmp" : tmp), "aiofs-overlay-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            file = dir.resolve("overlay.qcow2");
            create(file, base);
        } catch (IOException | RuntimeException e) {
            base.close();
            throw new IOException("cannot make a temporary overlay for " + base.name() + ": " + e.getMessage(), e);
        }
        try {
            return opener.openOverlay(file, base);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /** A new overlay: as large as the image, naming it by its absolute path (or its NBD URI) and format. */
    private static void create(Path file, BlockImage base) throws IOException {
        ImageLocation location = ImageLocation.parse(base.name());
        String backing = location.isRemote() ? location.toString() : location.path().toAbsolutePath().toString();
        ImageDrivers.byName(OVERLAY_FORMAT).create(file, new CreateRequest(base.size(), backing, base.format(),
                Map.of()));
    }
}
