package org.aiofs.fs;

/** What getattr reports for one entry. */
public record FileAttributes(boolean directory, long size, int permissions, int uid, int gid, long modifiedSeconds) {
}
