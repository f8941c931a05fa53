package org.aiofs.aio;

import java.io.IOException;
import java.nio.file.Path;

import org.aiofs.aio.nativeio.Native;

/** A failed system call on a host file: which call, which file, where, and errno. */
public class HostIoException extends IOException {
    private final int errno;

    public HostIoException(String operation, Path path, long offset, int errno) {
        super(message(operation, path, offset, errno));
        this.errno = errno;
    }

    public HostIoException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    private static String message(String operation, Path path, long offset, int errno) {
        String where = offset >= 0 ? " at offset " + offset : "";
        return path + ": " + operation + where + " failed: " + Native.describe(errno);
    }
}
