package org.aiofs.fs.layout;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Inode numbers of the mount's entries: the root is 1 (FUSE's root id), every other node
 * gets the next number when it is made and keeps it for its life. Numbers are never reused
 * within a process (a process serves one mount), so a number names one node forever: a
 * transport that still holds an old node's number reaches that old node, never a new one.
 */
public final class InodeNumbers {
    public static final long ROOT = 1;
    private static final AtomicLong NEXT = new AtomicLong(ROOT + 1);

    private InodeNumbers() {
    }

    public static long next() {
        return NEXT.getAndIncrement();
    }
}
