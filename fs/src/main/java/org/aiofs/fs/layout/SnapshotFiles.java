package org.aiofs.fs.layout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.aiofs.fs.log.ServerLog;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageInfo;
import org.aiofs.image.SnapshotSource;

/**
 * One read-only file per internal snapshot, named after the snapshot (or its id when the
 * name can't be a file name or is taken). A snapshot that can't be opened is logged and left out.
 */
public final class SnapshotFiles {
    private SnapshotFiles() {
    }

    public static List<ImageFileNode> of(BlockImage image) {
        if (!(image instanceof SnapshotSource source)) {
            return List.of();
        }
        List<ImageFileNode> files = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        for (ImageInfo.SnapshotInfo s : source.internalSnapshots()) {
            String base = usable(s.name()) ? s.name() : "id-" + s.id();
            String name = base + ".raw";
            if (!taken.add(name)) {
                name = base + "-id-" + s.id() + ".raw";
                taken.add(name);
            }
            try {
                files.add(new ImageFileNode(name, source.openInternalSnapshot(s), false));
            } catch (IOException e) {
                ServerLog.error("snapshot " + s.name() + " (id " + s.id() + ") left out: " + e.getMessage());
            }
        }
        return files;
    }

    private static boolean usable(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..") && !name.contains("/")
                && name.chars().noneMatch(c -> c < 0x20) && name.length() <= 200;
    }
}
