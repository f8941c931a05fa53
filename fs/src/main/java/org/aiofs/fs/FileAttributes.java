package org.aiofs.fs;

/**
 * What getattr reports for one entry.
 *
 * @param allocatedBytes bytes the image stores for the file (st_blocks * 512): holes and
 *                       zero clusters are not counted, as the image's block status says
 */
public record FileAttributes(long inode, boolean directory, long size, long allocatedBytes, int permissions, int uid,
                             int gid, long modifiedSeconds) {
    /** st_blocks: 512-byte units, rounded up. */
    public long blocks() {
        return (allocatedBytes + 511) / 512;
    }
}
