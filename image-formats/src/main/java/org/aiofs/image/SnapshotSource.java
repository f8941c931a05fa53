package org.aiofs.image;

import java.io.IOException;
import java.util.List;

/** An image with internal snapshots, each of which can be opened as its own read-only disk. */
public interface SnapshotSource {
    List<ImageInfo.SnapshotInfo> internalSnapshots();

    /** The snapshot as a read-only disk sharing this image's files (closing it leaves them open). */
    BlockImage openInternalSnapshot(ImageInfo.SnapshotInfo snapshot) throws IOException;
}
