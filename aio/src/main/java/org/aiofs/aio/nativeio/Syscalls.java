package org.aiofs.aio.nativeio;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.annotations.SaveError;

/**
 * Raw system calls that glibc does not wrap (io_uring, Linux AIO) and the
 * eventfd plumbing of Linux AIO. (mmap goes through syscall(2) too: jnr's binding of
 * libc's mmap returned EINVAL here for arguments the raw call accepts.) All arguments are passed as longs (addresses included), which is how
 * the x86-64 and aarch64 calling conventions pass them to syscall(2) anyway.
 */
public interface Syscalls {
    @SaveError long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    @SaveError int eventfd(int initval, int flags);

    @SaveError long read(int fd, long buf, long count);

    @SaveError long write(int fd, long buf, long count);

    @SaveError int close(int fd);

    /** Loaded once; errno is read with {@link Native#errno()} (same runtime as libc). */
    Syscalls INSTANCE = LibraryLoader.create(Syscalls.class).option(LibraryOption.SaveError, true).load("c");
}
