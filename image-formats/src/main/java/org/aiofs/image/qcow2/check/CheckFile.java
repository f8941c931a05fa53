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
 * Tables are streamed through buffers made once: the check's memory does not grow with
 * the number of snapshots or the size of the tables they walk.
 */
final class CheckFile {
    /** How many entries of a long table one read brings in. */
    private static final int CHUNK_ENTRIES = 1 << 17;

    private final HostFile file;
    /** One cluster-sized table at a time (see {@link #readTable}). */
    private final ByteBuffer table;
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_ENTRIES * 8);

    /** Takes one entry of a long table. */
    @FunctionalInterface
    interface LongVisitor<E extends Exception> {
        void visit(int index, long value) throws HostIoException, E;
    }

    CheckFile(HostFile file, int clusterSize) {
        this.file = file;
        this.table = ByteBuffer.allocateDirect(clusterSize);
    }

    /** A new buffer holding [offset, offset+length): for what is read once. */
    ByteBuffer read(long offset, int length) throws HostIoException {
        return readInto(offset, ByteBuffer.allocateDirect(length));
    }

    /** Fills {@code into} (position to limit) from {@code offset}; zeroes past the end of the file. */
    ByteBuffer readInto(long offset, ByteBuffer into) throws HostIoException {
        long got = offset < 0 ? 0 : BlockingIo.execute(new IoRequest.Read(file, offset, into));
        for (int i = into.position() + (int) got; i < into.limit(); i++) {
            into.put(i, (byte) 0);
        }
        return into;
    }

    /** The cluster at {@code offset} in this file's one table buffer: valid until the next call. */
    ByteBuffer readTable(long offset) throws HostIoException {
        return readInto(offset, table.clear());
    }

    /** Each of {@code count} big-endian 8-byte entries at {@code offset}, in order, a chunk at a time. */
    <E extends Exception> void forEachLong(long offset, int count, LongVisitor<E> visitor) throws HostIoException, E {
        for (int done = 0; done < count; done += CHUNK_ENTRIES) {
            int n = Math.min(CHUNK_ENTRIES, count - done);
            readInto(offset + done * 8L, chunk.clear().limit(n * 8));
            for (int i = 0; i < n; i++) {
                visitor.visit(done + i, chunk.getLong(i * 8));
            }
        }
    }

    /** A whole long table in memory: only for the refcount table, which the check keeps (8 MiB at most). */
    long[] readLongs(long offset, int count) throws HostIoException {
        long[] out = new long[count];
        this.<RuntimeException>forEachLong(offset, count, (i, v) -> out[i] = v);
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
