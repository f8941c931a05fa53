package org.aiofs.fs.kernel;

import java.nio.ByteBuffer;

import org.aiofs.fs.FileAttributes;

/**
 * The attribute structs of the FUSE protocol: fuse_attr (88 bytes), fuse_entry_out
 * (LOOKUP, READDIRPLUS; 128 bytes) and fuse_attr_out (GETATTR, SETATTR; 104 bytes).
 */
final class FuseAttr {
    static final int ATTR_SIZE = 88;
    static final int ENTRY_OUT_SIZE = 40 + ATTR_SIZE;
    static final int ATTR_OUT_SIZE = 16 + ATTR_SIZE;
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    private static final int BLOCK_SIZE = 4096;

    private FuseAttr() {
    }

    /**
     * How long the kernel may keep a name and attributes without asking again. Names are
     * asked each time: a rewritten partition table moves partN.raw, and a name the kernel
     * kept would open the old one. Attributes are kept for a second, as libfuse does
     * (a write through the same file drops them at once).
     */
    static final long ENTRY_VALID_NANOS = 0;
    static final long ATTR_VALID_NANOS = 1_000_000_000L;

    static int mode(FileAttributes a) {
        return (a.directory() ? S_IFDIR : S_IFREG) | a.permissions();
    }

    static void putAttr(ByteBuffer b, int at, FileAttributes a) {
        b.putLong(at, a.inode());
        b.putLong(at + 8, a.size());
        b.putLong(at + 16, a.blocks());
        b.putLong(at + 24, a.modifiedSeconds()); // atime
        b.putLong(at + 32, a.modifiedSeconds()); // mtime
        b.putLong(at + 40, a.modifiedSeconds()); // ctime
        b.putInt(at + 48, 0);
        b.putInt(at + 52, 0);
        b.putInt(at + 56, 0);
        b.putInt(at + 60, mode(a));
        b.putInt(at + 64, a.directory() ? 2 : 1);
        b.putInt(at + 68, a.uid());
        b.putInt(at + 72, a.gid());
        b.putInt(at + 76, 0); // rdev
        b.putInt(at + 80, BLOCK_SIZE);
        b.putInt(at + 84, 0); // flags
    }

    /** fuse_entry_out for a node the kernel will hold (its lookup count goes up by one). */
    static void putEntry(ByteBuffer b, int at, FileAttributes a) {
        b.putLong(at, a.inode()); // nodeid: the inode number, never reused
        b.putLong(at + 8, 0); // generation
        b.putLong(at + 16, ENTRY_VALID_NANOS / 1_000_000_000L);
        b.putLong(at + 24, ATTR_VALID_NANOS / 1_000_000_000L);
        b.putInt(at + 32, (int) (ENTRY_VALID_NANOS % 1_000_000_000L));
        b.putInt(at + 36, (int) (ATTR_VALID_NANOS % 1_000_000_000L));
        putAttr(b, at + 40, a);
    }

    /** An empty fuse_entry_out (nodeid 0): READDIRPLUS's way to say "no attributes for this one". */
    static void putNoEntry(ByteBuffer b, int at) {
        for (int i = 0; i < ENTRY_OUT_SIZE; i += 8) {
            b.putLong(at + i, 0);
        }
    }

    static void putAttrOut(ByteBuffer b, int at, FileAttributes a) {
        b.putLong(at, ATTR_VALID_NANOS / 1_000_000_000L);
        b.putInt(at + 8, (int) (ATTR_VALID_NANOS % 1_000_000_000L));
        b.putInt(at + 12, 0);
        putAttr(b, at + 16, a);
    }
}
