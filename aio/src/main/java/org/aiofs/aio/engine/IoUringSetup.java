package org.aiofs.aio.engine;

import java.util.ArrayList;
import java.util.List;

import com.kenai.jffi.MemoryIO;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.aio.nativeio.Native;
import org.aiofs.aio.nativeio.SyscallNumbers;
import org.aiofs.aio.nativeio.Syscalls;

/**
 * The io_uring_setup call and the optional setup flags aiofs asks for, each dropped in turn
 * when the kernel answers EINVAL (it does for flags it does not know), as fio does:
 * <ul>
 * <li>SINGLE_ISSUER + DEFER_TASKRUN (6.1): one thread submits and reaps, and the kernel posts
 * completions only when that thread asks for them: no inter-processor interrupt per
 * completion, no completion work run on some other thread.</li>
 * <li>COOP_TASKRUN (5.19): completion work waits for the next transition into the kernel
 * instead of interrupting the issuer.</li>
 * </ul>
 */
final class IoUringSetup {
    static final int SQPOLL = 1 << 1;
    static final int SQ_AFF = 1 << 2;
    static final int COOP_TASKRUN = 1 << 8;
    /** 128-byte SQEs (5.19), for IORING_OP_URING_CMD's command data. */
    static final int SQE128 = 1 << 10;
    static final int SINGLE_ISSUER = 1 << 12;
    static final int DEFER_TASKRUN = 1 << 13;
    /** Offset of the flags in struct io_uring_params. */
    static final int FLAGS_AT = 8;

    /** The optional flags, in the order they are given up. */
    static final int[] OPTIONAL = {SINGLE_ISSUER | DEFER_TASKRUN, COOP_TASKRUN};

    /** io_uring_setup(entries, params): the ring's fd, or -errno. A seam for tests that play an older kernel. */
    @FunctionalInterface
    interface Call {
        long setup(int entries, long params);
    }

    /** The running kernel. */
    static final Call KERNEL = (entries, params) -> {
        long rc = Syscalls.INSTANCE.syscall(SyscallNumbers.IO_URING_SETUP, entries, params, 0, 0, 0, 0);
        return rc < 0 ? -Native.errno() : rc;
    };

    /** A kernel that answers EINVAL whenever any of {@code refused} is asked for (an older kernel). */
    static Call refusing(int refused) {
        return (entries, params) -> (MemoryIO.getInstance().getInt(params + FLAGS_AT) & refused) != 0
                ? -Errno.EINVAL : KERNEL.setup(entries, params);
    }

    private IoUringSetup() {
    }

    /** The optional flags to ask for with these mandatory ones (DEFER_TASKRUN cannot go with SQPOLL). */
    static int wanted(int mandatory) {
        int flags = 0;
        for (int f : OPTIONAL) {
            flags |= f;
        }
        return (mandatory & SQPOLL) != 0 ? flags & ~DEFER_TASKRUN : flags;
    }

    /** The flags after giving up the next optional one still set, or -1 when none is left to drop. */
    static int dropNext(int flags, int mandatory) {
        for (int f : OPTIONAL) {
            if ((flags & f & ~mandatory) != 0) {
                return flags & ~f;
            }
        }
        return -1;
    }

    /** The optional flags in words, for probes and logs. */
    static String describe(int flags) {
        List<String> words = new ArrayList<>();
        if ((flags & SINGLE_ISSUER) != 0) {
            words.add("single issuer");
        }
        if ((flags & DEFER_TASKRUN) != 0) {
            words.add("deferred task work");
        }
        if ((flags & COOP_TASKRUN) != 0) {
            words.add("cooperative task work");
        }
        if ((flags & SQPOLL) != 0) {
            words.add("kernel submission polling");
        }
        return words.isEmpty() ? "no optional setup flags" : String.join(", ", words);
    }
}
