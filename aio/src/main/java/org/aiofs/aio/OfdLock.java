package org.aiofs.aio;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.aiofs.aio.nativeio.Native;

/**
 * Open-file-description byte-range locks (F_OFD_SETLK / F_OFD_GETLK): owned by the open
 * file, not the process, so they behave like QEMU's and are released when the file closes.
 * Java's FileChannel locks are POSIX record locks, owned by the process: not the same thing.
 */
public final class OfdLock {
    private static final int F_OFD_GETLK = 36;
    private static final int F_OFD_SETLK = 37;
    private static final short F_RDLCK = 0;
    private static final short F_WRLCK = 1;
    private static final short F_UNLCK = 2;
    private static final int SEEK_SET = 0;
    /** struct flock on 64-bit Linux: short type, short whence, off_t start, off_t len, pid_t pid. */
    private static final int FLOCK_SIZE = 32;

    private OfdLock() {
    }

    /** Takes a shared lock on one byte. */
    public static void lockShared(HostFile file, long offset) throws HostIoException {
        set(file, offset, F_RDLCK);
    }

    public static void unlock(HostFile file, long offset) throws HostIoException {
        set(file, offset, F_UNLCK);
    }

    /** Whether another open file holds any lock on that byte (one that would stop an exclusive lock). */
    public static boolean heldByOthers(HostFile file, long offset) throws HostIoException {
        Pointer flock = flock(F_WRLCK, offset);
        if (Native.libc().fcntl(file.fd(), F_OFD_GETLK, flock) != 0) {
            throw new HostIoException("fcntl(F_OFD_GETLK)", file.path(), offset, Native.errno());
        }
        return flock.getShort(0) != F_UNLCK;
    }

    private static void set(HostFile file, long offset, short type) throws HostIoException {
        if (Native.libc().fcntl(file.fd(), F_OFD_SETLK, flock(type, offset)) != 0) {
            throw new HostIoException("fcntl(F_OFD_SETLK)", file.path(), offset, Native.errno());
        }
    }

    private static Pointer flock(short type, long offset) {
        Pointer p = Memory.allocate(Native.runtime(), FLOCK_SIZE);
        p.putShort(0, type);
        p.putShort(2, (short) SEEK_SET);
        p.putLong(8, offset);
        p.putLong(16, 1);
        p.putInt(24, 0); // l_pid must be 0 for OFD locks
        return p;
    }
}
