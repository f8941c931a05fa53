package org.aiofs.fs.layout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.aiofs.fs.log.ServerLog;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageInfo;
import org.aiofs.image.SnapshotSource;

/**
 * One read-only file per internal snapshot, named after the snapshot. Names and ids come
 * from the image, so neither is trusted to be a file name or to be unique (QEMU opens images
 * with two snapshots of one name, or one id): a name that can't be a file name is replaced by
 * the id, an id that can't be one is made safe, and a file name already taken gets the id,
 * then a number. Every snapshot gets a file, and naming never fails the mount. A snapshot
 * that can't be opened is logged and left out.
 */
public final class SnapshotFiles {
    /** In UTF-8 bytes: name, "-id-", id, "-" and a number, ".raw" stay below NAME_MAX (255). */
    private static final int MAX_NAME = 200;
    private static final int MAX_ID = 32;

    private SnapshotFiles() {
    }

    public static List<ImageFileNode> of(BlockImage image) {
        if (!(image instanceof SnapshotSource source)) {
            return List.of();
        }
        List<ImageFileNode> files = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        for (ImageInfo.SnapshotInfo s : source.internalSnapshots()) {
            String name = fileName(s, taken);
            try {
                files.add(new ImageFileNode(name, source.openInternalSnapshot(s), false));
            } catch (IOException e) {
                ServerLog.error("snapshot " + printable(s.name()) + " (id " + printable(s.id()) + ") left out: "
                        + e.getMessage());
            }
        }
        return files;
    }

    /** A file name for {@code s} that no earlier snapshot took (and takes it). */
    static String fileName(ImageInfo.SnapshotInfo s, Set<String> taken) {
        String id = usable(s.id(), MAX_ID) ? s.id() : safe(s.id());
        String base = usable(s.name(), MAX_NAME) ? s.name() : "id-" + id;
        String name = base + ".raw";
        if (!taken.add(name)) {
            name = base + "-id-" + id + ".raw";
            for (int n = 2; !taken.add(name); n++) {
                name = base + "-id-" + id + "-" + n + ".raw";
            }
        }
        return name;
    }

    private static boolean usable(String name, int maxLength) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..") && !name.contains("/")
                && name.chars().noneMatch(c -> c < 0x20 || c == 0x7f)
                && name.getBytes(StandardCharsets.UTF_8).length <= maxLength;
    }

    /** The id in plain ASCII letters, digits and "._-", shortened; never empty. */
    private static String safe(String id) {
        String s = id.replaceAll("[^A-Za-z0-9._-]", "_");
        if (s.length() > MAX_ID) {
            s = s.substring(0, MAX_ID);
        }
        return s.isEmpty() || s.equals(".") || s.equals("..") ? "none" : s;
    }

    private static String printable(String s) {
        return s.replaceAll("\\p{Cntrl}", "?");
    }
}
