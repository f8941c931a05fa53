package org.aiofs.image.qcow2;

/**
 * Where a run of guest bytes lives: host data at {@code hostOffset}, zeroes, the backing
 * image, or a compressed cluster (then the run lies inside that one cluster).
 */
public record Mapping(Kind kind, long guestOffset, long length, long hostOffset, CompressedCluster compressed) {
    public enum Kind { DATA, ZERO, BACKING, COMPRESSED }

    public long guestEnd() {
        return guestOffset + length;
    }
}
