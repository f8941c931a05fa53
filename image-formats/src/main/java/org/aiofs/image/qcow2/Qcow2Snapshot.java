package org.aiofs.image.qcow2;

import org.aiofs.image.ImageInfo;

/** One internal snapshot record from the snapshot table. */
public record Qcow2Snapshot(String id, String name, long l1TableOffset, int l1Size, long virtualSize,
        long dateSeconds, long dateNanos, long vmClockNanos, long vmStateSize) {

    /** What info shows of it. */
    public ImageInfo.SnapshotInfo info() {
        return new ImageInfo.SnapshotInfo(id, name, virtualSize, dateSeconds, dateNanos, vmClockNanos, vmStateSize);
    }
}
