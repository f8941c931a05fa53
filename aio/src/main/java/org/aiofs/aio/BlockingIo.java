package org.aiofs.aio;

import java.nio.ByteBuffer;
import java.util.concurrent.locks.Lock;

import com.kenai.jffi.MemoryIO;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.aio.nativeio.LibC;
import org.aiofs.aio.nativeio.Native;
import org.aiofs.aio.nativeio.OpenFlags;

/**
 * Runs one request to completion on the calling thread with pread/pwrite, preadv/pwritev,
 * fsync and fallocate: the work of the sync, worker and thread-pool engines.
 * Direct buffers are used in place; each heap buffer is copied through a direct buffer
 * allocated for the call (the image layer's I/O uses direct buffers; heap ones are rare).
 *
 * <p>Buffered writes of {@link #BULK_WRITE_BYTES} or more into one file go one at a time. The
 * kernel serialises them anyway (ext4, XFS and tmpfs hold the inode lock across a buffered
 * write), but a thread waiting for that lock spins while the holder copies: a 64 KiB
 * copy-on-write cluster into new pages takes 60-80 us on a 2-CPU VM, and perf showed 18% of
 * both CPUs spinning in rwsem_spin_on_owner during allocating writes into a qcow2 overlay.
 * Waiting here parks instead, leaving the CPU to the guest's own work; io_uring does the like,
 * handing buffered writes to one file to one worker. Short writes hold the lock for less than
 * parking and waking costs, and are left to the kernel.
 */
public final class BlockingIo {
    /** Half a 64 KiB cluster (qcow2's default): a copy-on-write cluster is bulk, a 4 KiB guest write is not. */
    static final int BULK_WRITE_BYTES = 32 << 10;
    private static final int IOV_MAX = 1024;
    private static final int IOVEC_SIZE = 16;
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final ThreadLocal<Pointer> IOVECS =
            ThreadLocal.withInitial(() -> Memory.allocateDirect(Native.runtime(), IOV_MAX * IOVEC_SIZE));

    private BlockingIo() {
    }

    public static long execute(IoRequest request) throws HostIoException {
        if (request instanceof IoRequest.Read r) {
            return transfer(r.file(), r.position(), r.buffers(), false);
        } else if (request instanceof IoRequest.Write w) {
            if (w.file().readOnly()) {
                throw new HostIoException("pwrite", w.file().path(), w.position(), Errno.EBADF);
            }
            return write(w);
        } else if (request instanceof IoRequest.Flush f) {
            LibC libc = Native.libc();
            int rc = f.dataOnly() ? libc.fdatasync(f.file().fd()) : libc.fsync(f.file().fd());
            check(rc, f.dataOnly() ? "fdatasync" : "fsync", f.file(), -1);
            return 0;
        } else if (request instanceof IoRequest.ZeroRange z) {
            zeroRange(z.file(), z.position(), z.length());
            return 0;
        } else if (request instanceof IoRequest.PunchHole p) {
            int rc = Native.libc().fallocate(p.file().fd(),
                    OpenFlags.FALLOC_FL_PUNCH_HOLE | OpenFlags.FALLOC_FL_KEEP_SIZE, p.position(), p.length());
            check(rc, "fallocate(punch hole)", p.file(), p.position());
            return 0;
        } else if (request instanceof IoRequest.Barrier) {
            return 0;
        }
        throw new IllegalArgumentException("unknown request " + request);
    }

    private static long write(IoRequest.Write w) throws HostIoException {
        HostFile file = w.file();
        if (file.direct() || IoRequest.totalRemaining(w.buffers()) < BULK_WRITE_BYTES) {
            return transfer(file, w.position(), w.buffers(), true);
        }
        Lock bulk = file.bulkWrites();
        bulk.lock();
        try {
            return transfer(file, w.position(), w.buffers(), true);
        } finally {
            bulk.unlock();
        }
    }

    /** Zeroes a range: fallocate(ZERO_RANGE), or writing zeroes where the file system has no such call. */
    private static void zeroRange(HostFile file, long position, long length) throws HostIoException {
        int rc = Native.libc().fallocate(file.fd(), OpenFlags.FALLOC_FL_ZERO_RANGE | OpenFlags.FALLOC_FL_KEEP_SIZE,
                position, length);
        if (rc == 0) {
            return;
        }
        int errno = Native.errno();
        if (errno != Errno.EOPNOTSUPP && errno != Errno.EINVAL && errno != Errno.ENODEV) {
            throw new HostIoException("fallocate(zero range)", file.path(), position, errno);
        }
        ByteBuffer zeroes = ByteBuffer.allocateDirect(Math.max(file.alignment(), 1 << 20)).alignedSlice(
                Math.max(file.alignment(), 1));
        long done = 0;
        while (done < length) {
            zeroes.clear().limit((int) Math.min(zeroes.capacity(), length - done));
            done += transfer(file, position + done, new ByteBuffer[] {zeroes}, true);
        }
    }

    private static long transfer(HostFile file, long position, ByteBuffer[] buffers, boolean write)
            throws HostIoException {
        long total = IoRequest.totalRemaining(buffers);
        if (buffers.length == 1 && buffers[0].isDirect()) {
            return transferOne(file, position, buffers[0], write);
        }
        long done = 0;
        for (int first = 0; first < buffers.length; ) {
            int count = Math.min(IOV_MAX, buffers.length - first);
            long chunk = 0;
            for (int i = first; i < first + count; i++) {
                chunk += buffers[i].remaining();
            }
            long moved = transferVector(file, position + done, buffers, first, count, chunk, write);
            done += moved;
            if (moved < chunk) {
                break; // end of file
            }
            first += count;
        }
        return Math.min(done, total);
    }

    private static long transferOne(HostFile file, long position, ByteBuffer buffer, boolean write)
            throws HostIoException {
        LibC libc = Native.libc();
        long address = MEMORY.getDirectBufferAddress(buffer) + buffer.position();
        long length = buffer.remaining();
        long done = 0;
        while (done < length) {
            long n = write
                    ? libc.pwrite(file.fd(), address + done, length - done, position + done)
                    : libc.pread(file.fd(), address + done, length - done, position + done);
            if (n < 0) {
                int errno = Native.errno();
                if (errno == Errno.EINTR) {
                    continue;
                }
                throw new HostIoException(write ? "pwrite" : "pread", file.path(), position + done, errno);
            }
            if (n == 0) {
                if (write) {
                    throw new HostIoException("pwrite", file.path(), position + done, Errno.ENOSPC);
                }
                break;
            }
            done += n;
        }
        return done;
    }

    /** preadv/pwritev over buffers[first, first+count), resuming after short transfers. */
    private static long transferVector(HostFile file, long position, ByteBuffer[] buffers, int first, int count,
                                       long length, boolean write) throws HostIoException {
        ByteBuffer[] direct = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            ByteBuffer b = buffers[first + i];
            direct[i] = b.isDirect() ? b : bounce(b, write);
        }
        Pointer iov = IOVECS.get();
        LibC libc = Native.libc();
        long done = 0;
        while (done < length) {
            int entries = fillIovecs(iov, direct, done);
            long n = write
                    ? libc.pwritev(file.fd(), iov, entries, position + done)
                    : libc.preadv(file.fd(), iov, entries, position + done);
            if (n < 0) {
                int errno = Native.errno();
                if (errno == Errno.EINTR) {
                    continue;
                }
                throw new HostIoException(write ? "pwritev" : "preadv", file.path(), position + done, errno);
            }
            if (n == 0) {
                if (write) {
                    throw new HostIoException("pwritev", file.path(), position + done, Errno.ENOSPC);
                }
                break;
            }
            done += n;
        }
        if (!write) {
            for (int i = 0; i < count; i++) {
                ByteBuffer b = buffers[first + i];
                if (!b.isDirect()) {
                    b.duplicate().put(direct[i].duplicate());
                }
            }
        }
        return done;
    }

    /** Writes iovecs for the buffers, skipping the first {@code skip} bytes; returns how many. */
    private static int fillIovecs(Pointer iov, ByteBuffer[] buffers, long skip) {
        int n = 0;
        for (ByteBuffer b : buffers) {
            long len = b.remaining();
            if (skip >= len) {
                skip -= len;
                continue;
            }
            long address = MEMORY.getDirectBufferAddress(b) + b.position() + skip;
            iov.putLong(n * IOVEC_SIZE, address);
            iov.putLong(n * IOVEC_SIZE + 8, len - skip);
            skip = 0;
            n++;
        }
        return n;
    }

    private static ByteBuffer bounce(ByteBuffer heap, boolean write) {
        ByteBuffer copy = ByteBuffer.allocateDirect(heap.remaining());
        if (write) {
            copy.put(heap.duplicate()).flip();
        }
        return copy;
    }

    private static void check(int rc, String call, HostFile file, long offset) throws HostIoException {
        if (rc != 0) {
            throw new HostIoException(call, file.path(), offset, Native.errno());
        }
    }
}
