package org.aiofs.image.qcow2.check;

import java.nio.ByteBuffer;

import org.aiofs.aio.BlockingIo;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.nativeio.Errno;

/**
 * Positional reads and writes on the image file for the checker, on the caller's thread.
 * Reads past the end of the file come back as zeroes, as QEMU's file driver returns them,
 * so a table that points past the end is judged by its refcounts rather than aborting.
 */
final class CheckFile {
    private final HostFile file;

    CheckFile(HostFile file) {
        this.file = file;
    }

    ByteBuffer read(long offset, int length) throws HostIoException {
        ByteBuffer b = ByteBuffer.allocateDirect(length);
        if (offset >= 0) {
            long got = BlockingIo.execute(new IoRequest.Read(file, offset, b));
            // the rest of a direct buffer is already zero
            assert got <= length;
        }
        return b;
    }

    long[] readLongs(long offset, int count) throws HostIoException {
        long[] out = new long[count];
        int chunk = 1 << 17;
        for (int done = 0; done < count; done += chunk) {
            int n = Math.min(chunk, count - done);
            ByteBuffer b = read(offset + done * 8L, n * 8);
            for (int i = 0; i < n; i++) {
                out[done + i] = b.getLong(i * 8);
            }
        }
        return out;
    }

    void write(long offset, ByteBuffer data) throws HostIoException {
        long done = BlockingIo.execute(new IoRequest.Write(file, offset, data));
        if (done != data.remaining()) {
            throw new HostIoException(file.path() + ": short write at 0x" + Long.toHexString(offset), Errno.EIO);
        }
    }

    /** Makes what was written durable before anything that depends on it is written. */
    void sync() throws HostIoException {
        BlockingIo.execute(new IoRequest.Flush(file, true));
    }

    long size() throws HostIoException {
        return file.size();
    }

    String name() {
        return file.path().toString();
    }
}
