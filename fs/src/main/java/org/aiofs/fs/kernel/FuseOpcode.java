package org.aiofs.fs.kernel;

/** The FUSE request opcodes aiofs answers or names in its log (include/uapi/linux/fuse.h). */
final class FuseOpcode {
    static final int LOOKUP = 1;
    static final int FORGET = 2;
    static final int GETATTR = 3;
    static final int SETATTR = 4;
    static final int OPEN = 14;
    static final int READ = 15;
    static final int WRITE = 16;
    static final int STATFS = 17;
    static final int RELEASE = 18;
    static final int FSYNC = 20;
    static final int SETXATTR = 21;
    static final int GETXATTR = 22;
    static final int LISTXATTR = 23;
    static final int REMOVEXATTR = 24;
    static final int FLUSH = 25;
    static final int INIT = 26;
    static final int OPENDIR = 27;
    static final int READDIR = 28;
    static final int RELEASEDIR = 29;
    static final int INTERRUPT = 36;
    static final int DESTROY = 38;
    static final int BATCH_FORGET = 42;
    static final int FALLOCATE = 43;
    static final int READDIRPLUS = 44;
    static final int LSEEK = 46;

    private static final String[] NAMES = new String[54];

    static {
        String[] all = {"", "LOOKUP", "FORGET", "GETATTR", "SETATTR", "READLINK", "SYMLINK", "", "MKNOD", "MKDIR",
            "UNLINK", "RMDIR", "RENAME", "LINK", "OPEN", "READ", "WRITE", "STATFS", "RELEASE", "", "FSYNC",
            "SETXATTR", "GETXATTR", "LISTXATTR", "REMOVEXATTR", "FLUSH", "INIT", "OPENDIR", "READDIR", "RELEASEDIR",
            "FSYNCDIR", "GETLK", "SETLK", "SETLKW", "ACCESS", "CREATE", "INTERRUPT", "BMAP", "DESTROY", "IOCTL",
            "POLL", "NOTIFY_REPLY", "BATCH_FORGET", "FALLOCATE", "READDIRPLUS", "RENAME2", "LSEEK",
            "COPY_FILE_RANGE", "SETUPMAPPING", "REMOVEMAPPING", "SYNCFS", "TMPFILE", "STATX", "COPY_FILE_RANGE_64"};
        System.arraycopy(all, 0, NAMES, 0, all.length);
    }

    private FuseOpcode() {
    }

    static String name(int opcode) {
        String n = opcode >= 0 && opcode < NAMES.length ? NAMES[opcode] : null;
        return n == null || n.isEmpty() ? "opcode " + opcode : n;
    }
}
