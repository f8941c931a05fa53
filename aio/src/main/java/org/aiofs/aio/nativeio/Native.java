package org.aiofs.aio.nativeio;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Runtime;

/** The loaded libc and its runtime, shared by every engine. */
public final class Native {
    private static final LibC LIBC = LibraryLoader.create(LibC.class)
            .option(LibraryOption.SaveError, true)
            .load("c");
    private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    private Native() {
    }

    public static LibC libc() {
        return LIBC;
    }

    public static Runtime runtime() {
        return RUNTIME;
    }

    /** errno of the last call made through {@link #libc()} on this thread. */
    public static int errno() {
        return LastError.getLastError(RUNTIME);
    }

    public static String describe(int errno) {
        return LIBC.strerror(errno);
    }
}
