package org.aiofs.image;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;

/** Which bytes of a host file hold data and which are holes (reading as zeroes), by SEEK_DATA/SEEK_HOLE. */
public final class HostFileStatus {
    private HostFileStatus() {
    }

    /** The status of the file's bytes from {@code offset}, for at most {@code length} bytes (offsets are the file's). */
    public static BlockStatus of(HostFile file, long offset, long length) throws HostIoException {
        long end = offset + length;
        long data = file.seekData(offset);
        if (data < 0 || data >= end) {
            return new BlockStatus(BlockStatus.Kind.ZERO, offset, length);
        }
        if (data > offset) {
            return new BlockStatus(BlockStatus.Kind.ZERO, offset, data - offset);
        }
        long hole = file.seekHole(offset);
        long dataEnd = hole < 0 ? end : Math.min(hole, end);
        return new BlockStatus(BlockStatus.Kind.DATA, offset, dataEnd - offset);
    }
}
