package org.aiofs.aio.nativeio;

/** open(2) flags and related constants for Linux x86-64 and aarch64. */
public final class OpenFlags {
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_NOCTTY = 0x100;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_DIRECT = arch64Direct();

    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;

    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;

    private OpenFlags() {
    }

    private static int arch64Direct() {
        String arch = System.getProperty("os.arch");
        // O_DIRECT differs between architectures: 040000 on x86, 0200000 on arm/aarch64.
        return arch.contains("aarch64") || arch.startsWith("arm") ? 0x10000 : 0x4000;
    }
}
