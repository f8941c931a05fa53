package org.aiofs.fs.kernel;

import java.io.Closeable;
import java.io.IOException;

import com.kenai.jffi.MemoryIO;
import org.aiofs.aio.nativeio.Native;
import org.aiofs.aio.nativeio.OpenFlags;
import org.aiofs.aio.nativeio.Syscalls;

/**
 * One file descriptor on /dev/fuse: the mount's own, or a clone made with FUSE_DEV_IOC_CLONE.
 * All of a connection's descriptors read from one queue of new requests, but each keeps its
 * own list of requests being processed: a reply must be written to the descriptor its
 * request was read from.
 */
final class FuseChannel implements Closeable, FuseRequest.ReplyChannel {
    /** _IOR(229, 0, uint32_t): the argument is the fd to clone (read by the kernel). */
    private static final long FUSE_DEV_IOC_CLONE = 0x8004_e500L;
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private final int fd;
    private final String name;
    private volatile boolean closed;

    private FuseChannel(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /** Opens the FUSE device (before mount(2), which is handed its fd). */
    static FuseChannel open(String device) throws IOException {
        return open(device, 0);
    }

    private static FuseChannel open(String device, int flags) throws IOException {
        int fd = Native.libc().open(device, OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC | flags, 0);
        if (fd < 0) {
            int errno = Native.errno();
            throw new IOException("cannot open " + device + ": " + Native.describe(errno)
                    + " (mounting needs root or access to " + device + ")");
        }
        return new FuseChannel(fd, device);
    }

    /** A descriptor received from fusermount3. */
    static FuseChannel adopt(int fd, String name) {
        return new FuseChannel(fd, name);
    }

    int fd() {
        return fd;
    }

    /**
     * A new descriptor on the same connection, with its own list of requests in processing.
     *
     * @param nonBlocking its reads return EAGAIN at once when no request is queued
     */
    FuseChannel cloneChannel(String device, int index, boolean nonBlocking) throws IOException {
        FuseChannel clone = open(device, nonBlocking ? OpenFlags.O_NONBLOCK : 0);
        long arg = MEMORY.allocateMemory(4, true);
        try {
            MEMORY.putInt(arg, fd);
            if (DeviceCalls.INSTANCE.ioctl(clone.fd, FUSE_DEV_IOC_CLONE, arg) != 0) {
                int errno = Native.errno();
                clone.close();
                throw new IOException("FUSE_DEV_IOC_CLONE on " + device + " failed: " + Native.describe(errno));
            }
        } finally {
            MEMORY.freeMemory(arg);
        }
        return new FuseChannel(clone.fd, name + (nonBlocking ? " non-blocking clone " : " clone ") + index);
    }

    /** Reads one request into [address, address + capacity): its length, or -errno. */
    long read(long address, long capacity) {
        long n = Syscalls.INSTANCE.read(fd, address, capacity);
        return n >= 0 ? n : -Native.errno();
    }

    /** Writes one reply (or notification): 0, or the errno the kernel refused it with. */
    @Override
    public int write(long address, long length) {
        long n = Syscalls.INSTANCE.write(fd, address, length);
        return n >= 0 ? 0 : Native.errno();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Syscalls.INSTANCE.close(fd);
        }
    }

    @Override
    public String toString() {
        return name + " (fd " + fd + ")";
    }
}
