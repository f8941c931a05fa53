package org.aiofs.image;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;

/** Which bytes of a host file hold data and which are holes (reading as zeroes), by SEEK_DATA/SEEK_HOLE; a block device is all data. */
public final class HostFileStatus {
    private HostFileStatus() {
    }

    /** The status of the file's bytes from {@code offset}, for at most {@code length} bytes (offsets are the file's). */
    public static BlockStatus of(HostFile file, long offset, long length) throws HostIoException {
        return find(file, offset, length).status();
    }

    /**
     * The status, and for data, where its run ends in the file (the next hole, or the end of
     * the file; -1 for a hole): SEEK_HOLE may cost a scan of the whole run (tmpfs), so a caller
     * that walks the file can remember the run and ask once per run instead of once per step.
     */
    public static Found find(HostFile file, long offset, long length) throws HostIoException {
        if (file.blockDevice()) {
            // no holes to ask about (lseek: EINVAL)
            return new Found(new BlockStatus(BlockStatus.Kind.DATA, offset, length), offset + length);
        }
        long end = offset + length;
        long data = file.seekData(offset);
        if (data < 0 || data >= end) {
            return new Found(new BlockStatus(BlockStatus.Kind.ZERO, offset, length), -1);
        }
        if (data > offset) {
            return new Found(new BlockStatus(BlockStatus.Kind.ZERO, offset, data - offset), -1);
        }
        long hole = file.seekHole(offset);
        long runEnd = hole < 0 ? end : hole;
        return new Found(new BlockStatus(BlockStatus.Kind.DATA, offset, Math.min(runEnd, end) - offset), runEnd);
    }

    /** What {@link #find} found: the status, and the end of a data run (-1 for a hole). */
    public record Found(BlockStatus status, long dataEnd) {
    }
}
