package org.aiofs.image;

/**
 * The state of a run of guest bytes starting at {@code offset}: the first {@code length}
 * bytes are all of one {@link Kind}. Feeds SEEK_DATA/SEEK_HOLE and allocation reports.
 */
public record BlockStatus(Kind kind, long offset, long length) {
    public enum Kind {
        /** Stored data (which may happen to be zeroes). */
        DATA,
        /** Reads as zeroes without being stored: a hole, a zero cluster, past a backing file's end. */
        ZERO
    }
}
