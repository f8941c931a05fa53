package org.aiofs.image.partition;

/** A run of bytes on a disk: [start, start + length). */
public record ByteRange(long start, long length) {

    public long end() {
        return start + length;
    }

    public boolean overlaps(long offset, long len) {
        return len > 0 && offset < end() && start < offset + len;
    }
}
