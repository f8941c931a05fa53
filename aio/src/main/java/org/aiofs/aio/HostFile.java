package org.aiofs.aio;

import java.io.Closeable;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.aio.nativeio.LibC;
import org.aiofs.aio.nativeio.Native;
import org.aiofs.aio.nativeio.OpenFlags;

/**
 * A host file (image file or block device) opened for the engines: a raw file
 * descriptor plus what the engines must know about it.
 */
public final class HostFile implements Closeable {
    private static final long BLKSSZGET = 0x1268;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BLOCKS = 0x400;
    /** struct statx: 256 bytes, stx_blocks at offset 48 (after mask, blksize, attributes, nlink, uid, gid, mode, ino, size). */
    private static final int STATX_SIZE = 256;
    private static final int STATX_BLOCKS_OFFSET = 48;

    private final Path path;
    private final int fd;
    private final boolean readOnly;
    private final boolean direct;
    private final boolean blockDevice;
    private final int logicalBlockSize;
    private final AtomicBoolean closed = new AtomicBoolean();

    private HostFile(Path path, int fd, boolean readOnly, boolean direct, boolean blockDevice, int logicalBlockSize) {
        this.path = path;
        this.fd = fd;
        this.readOnly = readOnly;
        this.direct = direct;
        this.blockDevice = blockDevice;
        this.logicalBlockSize = logicalBlockSize;
    }

    /**
     * Opens a file; {@code direct} asks for O_DIRECT (page cache bypassed, buffers and
     * offsets must then be aligned to {@link #alignment()}).
     */
    public static HostFile open(Path path, boolean readOnly, boolean direct) throws HostIoException {
        LibC libc = Native.libc();
        int flags = (readOnly ? OpenFlags.O_RDONLY : OpenFlags.O_RDWR) | OpenFlags.O_CLOEXEC
                | (direct ? OpenFlags.O_DIRECT : 0);
        if (Files.isDirectory(path)) {
            throw new HostIoException(path + ": is a directory, not an image", Errno.EISDIR);
        }
        int fd = libc.open(path.toString(), flags, 0);
        if (fd < 0) {
            int errno = Native.errno();
            throw new HostIoException(path + ": cannot open" + (readOnly ? "" : " for writing") + ": "
                    + Native.describe(errno), errno);
        }
        boolean blockDevice = !Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
                && !Files.isRegularFile(path);
        int blockSize = 512;
        if (blockDevice) {
            Pointer out = Memory.allocate(Native.runtime(), 4);
            if (libc.ioctl(fd, BLKSSZGET, out) == 0) {
                blockSize = out.getInt(0);
            }
        }
        return new HostFile(path, fd, readOnly, direct, blockDevice, blockSize);
    }

    public Path path() {
        return path;
    }

    public int fd() {
        if (closed.get()) {
            throw new IllegalStateException(path + " is closed");
        }
        return fd;
    }

    public boolean readOnly() {
        return readOnly;
    }

    public boolean direct() {
        return direct;
    }

    public boolean blockDevice() {
        return blockDevice;
    }

    /** Alignment O_DIRECT requires for buffers, offsets and lengths (1 when buffered). */
    public int alignment() {
        return direct ? Math.max(logicalBlockSize, 512) : 1;
    }

    public int logicalBlockSize() {
        return logicalBlockSize;
    }

    /** The current size: files grow while qcow2 allocates, so it is asked each time. */
    public long size() throws HostIoException {
        long end = Native.libc().lseek(fd(), 0, 2 /* SEEK_END */);
        if (end < 0) {
            throw new HostIoException("lseek", path, -1, Native.errno());
        }
        return end;
    }

    /**
     * The first offset at or after {@code offset} holding data (SEEK_DATA), or -1 when only
     * a hole follows up to the end of the file.
     */
    public long seekData(long offset) throws HostIoException {
        return seek(offset, OpenFlags.SEEK_DATA, "lseek(SEEK_DATA)");
    }

    /** The first offset at or after {@code offset} inside a hole (the end of file counts as one). */
    public long seekHole(long offset) throws HostIoException {
        return seek(offset, OpenFlags.SEEK_HOLE, "lseek(SEEK_HOLE)");
    }

    private long seek(long offset, int whence, String call) throws HostIoException {
        long result = Native.libc().lseek(fd(), offset, whence);
        if (result < 0) {
            int errno = Native.errno();
            if (errno == Errno.ENXIO) {
                return -1;
            }
            throw new HostIoException(call, path, offset, errno);
        }
        return result;
    }

    /**
     * Bytes the file takes on the host: its allocated 512-byte blocks (st_blocks, what du
     * and qemu-img's "disk size" count), preallocated extents included.
     */
    public long allocatedBytes() throws HostIoException {
        Pointer statx = Memory.allocate(Native.runtime(), STATX_SIZE);
        if (Native.libc().statx(fd(), "", AT_EMPTY_PATH, STATX_BLOCKS, statx) != 0) {
            throw new HostIoException("statx", path, -1, Native.errno());
        }
        return statx.getLong(STATX_BLOCKS_OFFSET) * 512;
    }

    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() throws HostIoException {
        if (closed.compareAndSet(false, true) && Native.libc().close(fd) != 0) {
            throw new HostIoException("close", path, -1, Native.errno());
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
