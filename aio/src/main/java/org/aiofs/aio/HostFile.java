package org.aiofs.aio;

import java.io.Closeable;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.aio.nativeio.LibC;
import org.aiofs.aio.nativeio.Native;
import org.aiofs.aio.nativeio.OpenFlags;

/**
 * A host file (image file or block device) opened for the engines: a raw file
 * descriptor plus what the engines must know about it. Or a {@link RemoteExport} (an NBD
 * export): no descriptor, its requests go to the export's own engine, and size and
 * SEEK_DATA/SEEK_HOLE are answered by the server.
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
    private final FileType type;
    private final int logicalBlockSize;
    /** Null for a local file. */
    private final RemoteExport remote;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Taken by BlockingIo around bulk buffered writes into this file (see there why). */
    private final ReentrantLock bulkWrites = new ReentrantLock();

    private HostFile(Path path, int fd, boolean readOnly, boolean direct, FileType type, int logicalBlockSize,
                     RemoteExport remote) {
        this.path = path;
        this.fd = fd;
        this.readOnly = readOnly;
        this.direct = direct;
        this.type = type;
        this.logicalBlockSize = logicalBlockSize;
        this.remote = remote;
    }

    /** A remote export as a host file; closing the file closes the export. */
    public static HostFile ofExport(RemoteExport export) {
        return new HostFile(null, -1, export.readOnly(), false, FileType.REGULAR, 512, export);
    }

    /**
     * Opens an image file or a block device; {@code direct} asks for O_DIRECT (page cache
     * bypassed, buffers and offsets must then be aligned to {@link #alignment()}). Anything
     * else (a FIFO, which would block forever, a socket, a directory, a character device) is
     * refused with a message naming it.
     */
    public static HostFile open(Path path, boolean readOnly, boolean direct) throws HostIoException {
        return open(path, readOnly, direct, false);
    }

    /**
     * As {@link #open(Path, boolean, boolean)}; {@code characterDeviceAllowed} also accepts a
     * character device, for a file the user named explicitly (never for a name read from an image).
     */
    public static HostFile open(Path path, boolean readOnly, boolean direct, boolean characterDeviceAllowed)
            throws HostIoException {
        refuseType(path, typeOf(path), characterDeviceAllowed);
        LibC libc = Native.libc();
        // O_NONBLOCK: should the name be swapped for a FIFO after the check, open must not hang on it
        int flags = (readOnly ? OpenFlags.O_RDONLY : OpenFlags.O_RDWR) | OpenFlags.O_CLOEXEC | OpenFlags.O_NOCTTY
                | OpenFlags.O_NONBLOCK | (direct ? OpenFlags.O_DIRECT : 0);
        int fd = libc.open(path.toString(), flags, 0);
        if (fd < 0) {
            int errno = Native.errno();
            throw new HostIoException(path + ": cannot open" + (readOnly ? "" : " for writing") + ": "
                    + Native.describe(errno), errno);
        }
        try {
            FileType type = typeOfDescriptor(path, fd);
            refuseType(path, type, characterDeviceAllowed);
            // then blocking again: io_uring answers EAGAIN instead of waiting on an O_NONBLOCK file
            int status = libc.fcntl(fd, OpenFlags.F_GETFL, 0);
            if (status < 0 || libc.fcntl(fd, OpenFlags.F_SETFL, status & ~OpenFlags.O_NONBLOCK) < 0) {
                throw new HostIoException("fcntl(F_SETFL)", path, -1, Native.errno());
            }
            int blockSize = 512;
            if (type == FileType.BLOCK_DEVICE) {
                Pointer out = Memory.allocate(Native.runtime(), 4);
                if (libc.ioctl(fd, BLKSSZGET, out) == 0) {
                    blockSize = out.getInt(0);
                }
            }
            return new HostFile(path, fd, readOnly, direct, type, blockSize, null);
        } catch (HostIoException | RuntimeException e) {
            libc.close(fd);
            throw e;
        }
    }

    private static FileType typeOf(Path path) throws HostIoException {
        try {
            return FileType.of(path);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new HostIoException(path + ": no such file", Errno.ENOENT);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new HostIoException(path + ": cannot open: Permission denied", Errno.EACCES);
        } catch (java.io.IOException | UnsupportedOperationException e) {
            throw new HostIoException(path + ": cannot stat: " + e.getMessage(), Errno.EIO);
        }
    }

    private static FileType typeOfDescriptor(Path path, int fd) throws HostIoException {
        try {
            return FileType.ofDescriptor(fd);
        } catch (java.io.IOException | UnsupportedOperationException e) {
            throw new HostIoException(path + ": cannot stat the opened file: " + e.getMessage(), Errno.EIO);
        }
    }

    private static void refuseType(Path path, FileType type, boolean characterDeviceAllowed)
            throws HostIoException {
        switch (type) {
            case REGULAR, BLOCK_DEVICE -> {
                return;
            }
            case CHARACTER_DEVICE -> {
                if (characterDeviceAllowed) {
                    return;
                }
            }
            case DIRECTORY -> throw new HostIoException(path + ": is a directory, not an image", Errno.EISDIR);
            default -> {
            }
        }
        throw new HostIoException(path + ": is " + type.description() + ", not an image file or block device",
                Errno.EINVAL);
    }

    /** The local path; a remote export has none (see {@link #name()}). */
    public Path path() {
        if (remote != null) {
            throw new IllegalStateException(remote.location() + " is a network export, not a local file");
        }
        return path;
    }

    /** The path, or the export's URI: what messages call the file. */
    public String name() {
        return remote != null ? remote.location() : path.toString();
    }

    public boolean isRemote() {
        return remote != null;
    }

    /** The export behind a remote file, or null for a local one. */
    public RemoteExport remote() {
        return remote;
    }

    public int fd() {
        if (closed.get()) {
            throw new IllegalStateException(name() + " is closed");
        }
        if (remote != null) {
            throw new IllegalStateException(remote.location() + " is a network export: it has no file descriptor,"
                    + " its requests go to its own engine");
        }
        return fd;
    }

    public boolean readOnly() {
        return readOnly;
    }

    public boolean direct() {
        return direct;
    }

    ReentrantLock bulkWrites() {
        return bulkWrites;
    }

    public boolean blockDevice() {
        return type == FileType.BLOCK_DEVICE;
    }

    /** A regular file, a block device, or (when the user named one) a character device. */
    public FileType type() {
        return type;
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
        if (remote != null) {
            return remote.size();
        }
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
        if (remote != null) {
            return remote.seekData(offset);
        }
        return seek(offset, OpenFlags.SEEK_DATA, "lseek(SEEK_DATA)");
    }

    /** The first offset at or after {@code offset} inside a hole (the end of file counts as one). */
    public long seekHole(long offset) throws HostIoException {
        if (remote != null) {
            return remote.seekHole(offset);
        }
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
     * and qemu-img's "disk size" count), preallocated extents included. An export has no
     * blocks to count: there, the bytes its server reports as data.
     */
    public long allocatedBytes() throws HostIoException {
        if (remote != null) {
            return remoteDataBytes();
        }
        Pointer statx = Memory.allocate(Native.runtime(), STATX_SIZE);
        if (Native.libc().statx(fd(), "", AT_EMPTY_PATH, STATX_BLOCKS, statx) != 0) {
            throw new HostIoException("statx", path, -1, Native.errno());
        }
        return statx.getLong(STATX_BLOCKS_OFFSET) * 512;
    }

    private long remoteDataBytes() throws HostIoException {
        long size = size();
        long total = 0;
        for (long pos = 0; pos < size; ) {
            long data = seekData(pos);
            if (data < 0) {
                break;
            }
            long hole = seekHole(data);
            long end = hole < 0 ? size : hole;
            total += end - data;
            pos = end;
        }
        return total;
    }

    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() throws HostIoException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (remote != null) {
            remote.close();
        } else if (Native.libc().close(fd) != 0) {
            throw new HostIoException("close", path, -1, Native.errno());
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
