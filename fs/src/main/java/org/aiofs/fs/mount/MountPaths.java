package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.file.Path;

/** The canonical form of a mountpoint as the mount table spells it, without stat'ing it (it may be dead). */
public final class MountPaths {
    private MountPaths() {
    }

    public static Path canonical(Path mountPoint) {
        Path absolute = mountPoint.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        if (parent == null) {
            return absolute;
        }
        try {
            return parent.toRealPath().resolve(absolute.getFileName());
        } catch (IOException e) {
            return absolute;
        }
    }
}
