package org.aiofs.aio.nbd;

import org.aiofs.aio.HostIoException;

/**
 * SEEK_DATA and SEEK_HOLE on an export, answered from base:allocation block status as lseek
 * answers them from a file's extents. For lseek a hole is what the server reports unallocated
 * and reading as zeroes (NBD_STATE_HOLE and NBD_STATE_ZERO); everything else is data. Without
 * block status the whole export is data, as lseek says of a file system that does not know.
 */
final class AllocationWalk {
    /** The length field of a request is 32 bits: ask for at most this much at a time. */
    private static final long MAX_QUERY = 1L << 31;
    /** What lseek calls a hole. */
    static final int HOLE = NbdProtocol.STATE_HOLE | NbdProtocol.STATE_ZERO;
    /** What reads as zeroes, allocated or not. */
    static final int ZERO = NbdProtocol.STATE_ZERO;

    private final NbdClient client;
    private final long size;
    private final int block;
    private final int holeFlags;

    /** @param holeFlags the status flags that all make an extent a hole ({@link #HOLE} or {@link #ZERO}) */
    AllocationWalk(NbdClient client, int holeFlags) {
        this.client = client;
        this.size = client.size();
        this.block = client.export().minimumBlock();
        this.holeFlags = holeFlags;
    }

    /** The first offset at or after {@code offset} of data ({@code data}) or of a hole; -1 past the end. */
    long seek(long offset, boolean data) throws HostIoException {
        if (offset < 0 || offset >= size) {
            return -1;
        }
        if (!client.export().blockStatus()) {
            return data ? offset : size;
        }
        long pos = offset;
        while (pos < size) {
            long start = pos - pos % block; // requests must be aligned to the minimum block
            long end = Math.min(size, roundUp(Math.min(size, start + MAX_QUERY)));
            NbdCommand query = new NbdCommand(NbdProtocol.CMD_BLOCK_STATUS, 0, start, end - start, null);
            client.await(query);
            long at = start;
            long[] extents = query.extents;
            for (int i = 0; i < extents.length && at < size; i += 2) {
                long extentEnd = Math.min(size, at + extents[i]);
                boolean hole = (extents[i + 1] & holeFlags) == holeFlags;
                if (extentEnd > pos && hole != data) {
                    return Math.max(at, pos);
                }
                at = extentEnd;
            }
            if (at <= pos) {
                return data ? pos : size; // extents that end before pos: say data, never a hole one cannot prove
            }
            pos = at;
        }
        return data ? -1 : size;
    }

    private long roundUp(long v) {
        return (v + block - 1) / block * block;
    }
}
