package org.aiofs.image.partition;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.aiofs.aio.Futures;
import org.aiofs.image.BlockImage;

/** Synchronous, bounds-checked reads of table structures from a disk, little-endian. */
final class DiskBytes {
    private final BlockImage disk;

    DiskBytes(BlockImage disk) {
        this.disk = disk;
    }

    long size() {
        return disk.size();
    }

    boolean contains(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= disk.size() && length <= disk.size() - offset;
    }

    /** The bytes at [offset, offset+length), or null when they are not all on the disk. */
    ByteBuffer read(long offset, int length) throws IOException {
        if (!contains(offset, length)) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.allocate(length);
        Futures.await(disk.read(offset, buf));
        return buf.order(ByteOrder.LITTLE_ENDIAN);
    }
}
