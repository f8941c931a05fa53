package org.aiofs.aio.nativeio;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.annotations.SaveError;

/**
 * glibc's POSIX AIO (in libc since 2.34, in librt before). Control blocks are raw addresses
 * of a native {@code struct aiocb} laid out as {@link Aiocb} says.
 */
public interface PosixAio {
    @SaveError int aio_read(long aiocb);

    @SaveError int aio_write(long aiocb);

    @SaveError int aio_fsync(int operation, long aiocb);

    /** Waits until one of the listed control blocks (NULL entries are skipped) has completed. */
    @SaveError int aio_suspend(long list, int count, long timeout);

    /** EINPROGRESS, 0, or the request's errno. */
    int aio_error(long aiocb);

    long aio_return(long aiocb);

    /** Loaded on first use; null when this libc has no POSIX AIO. */
    static PosixAio load() {
        return LibraryLoader.create(PosixAio.class).option(LibraryOption.SaveError, true).library("c")
                .library("rt").failImmediately().load();
    }

    /**
     * The public part of glibc's {@code struct aiocb} on 64-bit Linux (aio.h): fd, opcode, buffer,
     * length, sigevent, offset. Only the fields POSIX names are touched; results come from
     * aio_error/aio_return.
     */
    final class Aiocb {
        public static final int SIZE = 168;
        public static final int FILDES = 0;
        public static final int BUF = 16;
        public static final int NBYTES = 24;
        public static final int SIGEV_NOTIFY = 32 + 12;
        public static final int OFFSET = 128;
        public static final int SIGEV_NONE = 1;
        public static final int EINPROGRESS = 115;

        private Aiocb() {
        }
    }
}
