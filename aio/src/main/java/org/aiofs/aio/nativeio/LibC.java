package org.aiofs.aio.nativeio;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The few libc calls aiofs needs that the JDK does not offer: positional vectored I/O,
 * fallocate, lseek(SEEK_DATA/SEEK_HOLE), ioctl on block devices and OFD locks.
 * Buffers are passed as raw addresses so that direct ByteBuffers (and the FUSE
 * buffer) travel without a copy.
 */
public interface LibC {
    @SaveError int open(String path, int flags, int mode);

    @SaveError int close(int fd);

    @SaveError @ssize_t long pread(int fd, long buf, @size_t long count, @off_t long offset);

    @SaveError @ssize_t long pwrite(int fd, long buf, @size_t long count, @off_t long offset);

    @SaveError @ssize_t long preadv(int fd, Pointer iov, int iovcnt, @off_t long offset);

    @SaveError @ssize_t long pwritev(int fd, Pointer iov, int iovcnt, @off_t long offset);

    @SaveError int fsync(int fd);

    @SaveError int fdatasync(int fd);

    @SaveError int fallocate(int fd, int mode, @off_t long offset, @off_t long len);

    @SaveError @off_t long lseek(int fd, @off_t long offset, int whence);

    @SaveError int ioctl(int fd, long request, @Out Pointer arg);

    @SaveError int fcntl(int fd, int cmd, @In @Out Pointer arg);

    @SaveError int fcntl(int fd, int cmd, int arg);

    /** flags: MNT_FORCE (1) aborts a FUSE connection, MNT_DETACH (2) detaches lazily. */
    @SaveError int umount2(String target, int flags);

    String strerror(int errnum);
}
