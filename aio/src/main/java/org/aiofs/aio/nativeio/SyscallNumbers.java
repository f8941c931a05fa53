package org.aiofs.aio.nativeio;

/**
 * System call numbers for the asynchronous I/O interfaces. They differ per architecture;
 * x86-64 and aarch64 (the generic table) are known, anything else reports "unsupported".
 */
public final class SyscallNumbers {
    public static final boolean KNOWN;
    public static final long IO_SETUP;
    public static final long IO_DESTROY;
    public static final long IO_GETEVENTS;
    public static final long IO_SUBMIT;
    public static final long MMAP;
    public static final long MUNMAP;
    /** io_uring uses the same numbers on every architecture (added after the tables were unified). */
    public static final long IO_URING_SETUP = 425;
    public static final long IO_URING_ENTER = 426;
    public static final long IO_URING_REGISTER = 427;

    static {
        String arch = System.getProperty("os.arch");
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            KNOWN = true;
            IO_SETUP = 206;
            IO_DESTROY = 207;
            IO_GETEVENTS = 208;
            IO_SUBMIT = 209;
            MMAP = 9;
            MUNMAP = 11;
        } else if (arch.equals("aarch64")) {
            KNOWN = true;
            IO_SETUP = 0;
            IO_DESTROY = 1;
            IO_SUBMIT = 2;
            IO_GETEVENTS = 4;
            MMAP = 222;
            MUNMAP = 215;
        } else {
            KNOWN = false;
            IO_SETUP = IO_DESTROY = IO_GETEVENTS = IO_SUBMIT = MMAP = MUNMAP = -1;
        }
    }

    private SyscallNumbers() {
    }
}
