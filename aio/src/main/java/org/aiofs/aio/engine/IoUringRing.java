package org.aiofs.aio.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.kenai.jffi.MemoryIO;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.aio.nativeio.Native;
import org.aiofs.aio.nativeio.SyscallNumbers;
import org.aiofs.aio.nativeio.Syscalls;

/**
 * One io_uring instance: the setup call, the three mmapped areas (SQ ring, CQ ring, SQE
 * array) and the raw accessors for them. Knows nothing of requests or futures.
 * Layouts are the kernel's uapi (include/uapi/linux/io_uring.h).
 * Not thread-safe: the engine serialises submission, and one thread reaps. Public for the
 * kernel FUSE transport, which serves FUSE over io_uring on rings of its own (128-byte SQEs,
 * {@link #OP_URING_CMD}).
 */
public final class IoUringRing implements AutoCloseable {
    static final int OP_NOP = 0;
    static final int OP_READV = 1;
    static final int OP_WRITEV = 2;
    static final int OP_FSYNC = 3;
    static final int OP_FALLOCATE = 17;
    public static final int OP_READ = 22;
    static final int OP_WRITE = 23;
    /** A command for the file's driver (5.19): the driver's command in cmd_op, its arguments in the SQE's tail. */
    public static final int OP_URING_CMD = 46;
    /** Bytes of command data a 128-byte SQE carries (from offset 48). */
    public static final int CMD_AREA_SIZE = 80;
    static final int FSYNC_DATASYNC = 1;

    private static final int ENTER_GETEVENTS = 1;
    private static final int ENTER_SQ_WAKEUP = 2;
    private static final int SQ_NEED_WAKEUP = 1;
    private static final int FEAT_SINGLE_MMAP = 1;
    private static final int REGISTER_PROBE = 8;
    private static final int OP_SUPPORTED = 1;
    private static final long OFF_SQ_RING = 0L;
    private static final long OFF_CQ_RING = 0x8000000L;
    private static final long OFF_SQES = 0x10000000L;
    private static final int PARAMS_SIZE = 120;
    private static final int SQE_SIZE = 64;
    private static final int SQE128_SIZE = 128;
    private static final int CMD_AT = 48;
    private static final int CQE_SIZE = 16;
    private static final int PROT_READ_WRITE = 0x3;
    private static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;

    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final Syscalls sys = Syscalls.INSTANCE;
    private final int fd;
    private final int setupFlags;
    private final boolean sqPoll;
    private final long sqRing;
    private final long sqRingSize;
    private final long cqRing;
    private final long cqRingSize;
    private final long sqes;
    private final long sqesSize;
    private final int sqeSize;
    private final ByteBuffer sqView;
    private final ByteBuffer cqView;
    private final int sqEntries;
    private final int sqMask;
    private final int cqMask;
    private final int sqHeadOff;
    private final int sqTailOff;
    private final int sqFlagsOff;
    private final int cqHeadOff;
    private final int cqTailOff;
    private final int cqesOff;
    private int sqTail;
    private int cqHead;

    private IoUringRing(int entries, int setupFlags, int sqThreadCpu, IoUringSetup.Call call) throws HostIoException {
        if (!SyscallNumbers.KNOWN) {
            throw new HostIoException("io_uring: unknown architecture " + System.getProperty("os.arch"), Errno.ENOSYS);
        }
        long params = MEMORY.allocateMemory(PARAMS_SIZE, true);
        try {
            int flags = setupFlags | IoUringSetup.wanted(setupFlags);
            long rc;
            while (true) {
                MEMORY.setMemory(params, PARAMS_SIZE, (byte) 0);
                MEMORY.putInt(params + IoUringSetup.FLAGS_AT, flags);
                if ((flags & IoUringSetup.SQPOLL) != 0) {
                    MEMORY.putInt(params + 12, Math.max(sqThreadCpu, 0));
                    MEMORY.putInt(params + 16, 1000); // the polling thread sleeps after 1 s idle
                }
                rc = call.setup(entries, params);
                int fewer = rc == -Errno.EINVAL ? IoUringSetup.dropNext(flags, setupFlags) : -1;
                if (fewer < 0) {
                    break;
                }
                flags = fewer; // a kernel that predates one of the optional flags: ask without it
            }
            if (rc < 0) {
                throw failure("io_uring_setup", (int) -rc);
            }
            fd = (int) rc;
            this.setupFlags = flags;
            sqPoll = (flags & IoUringSetup.SQPOLL) != 0;
            sqEntries = MEMORY.getInt(params);
            int cqEntries = MEMORY.getInt(params + 4);
            int features = MEMORY.getInt(params + 20);
            long sqOff = params + 40;
            long cqOff = params + 80;
            sqHeadOff = MEMORY.getInt(sqOff);
            sqTailOff = MEMORY.getInt(sqOff + 4);
            sqFlagsOff = MEMORY.getInt(sqOff + 16);
            int sqArrayOff = MEMORY.getInt(sqOff + 24);
            cqHeadOff = MEMORY.getInt(cqOff);
            cqTailOff = MEMORY.getInt(cqOff + 4);
            cqesOff = MEMORY.getInt(cqOff + 20);
            sqRingSize = sqArrayOff + 4L * sqEntries;
            long cqSize = cqesOff + (long) CQE_SIZE * cqEntries;
            boolean single = (features & FEAT_SINGLE_MMAP) != 0;
            long sqMap = single ? Math.max(sqRingSize, cqSize) : sqRingSize;
            sqRing = map(sqMap, OFF_SQ_RING);
            cqRingSize = single ? 0 : cqSize;
            cqRing = single ? sqRing : map(cqSize, OFF_CQ_RING);
            sqeSize = (flags & IoUringSetup.SQE128) != 0 ? SQE128_SIZE : SQE_SIZE;
            sqesSize = (long) sqeSize * sqEntries;
            sqes = map(sqesSize, OFF_SQES);
            sqView = MEMORY.newDirectByteBuffer(sqRing, (int) sqMap).order(ByteOrder.nativeOrder());
            cqView = MEMORY.newDirectByteBuffer(cqRing, (int) (single ? sqMap : cqSize)).order(ByteOrder.nativeOrder());
            sqMask = MEMORY.getInt(sqRing + MEMORY.getInt(sqOff + 8));
            cqMask = MEMORY.getInt(cqRing + MEMORY.getInt(cqOff + 8));
            for (int i = 0; i < sqEntries; i++) {
                MEMORY.putInt(sqRing + sqArrayOff + 4L * i, i); // SQE i always sits in array slot i
            }
            sqTail = (int) INT.getAcquire(sqView, sqTailOff);
            cqHead = (int) INT.getAcquire(cqView, cqHeadOff);
        } finally {
            MEMORY.freeMemory(params);
        }
    }

    /**
     * A ring with the optional setup flags the kernel accepts ({@link IoUringSetup}). With
     * SINGLE_ISSUER only the creating thread may submit: create it on the thread that will.
     */
    static IoUringRing create(int entries, boolean sqPoll, int sqThreadCpu, IoUringSetup.Call call)
            throws HostIoException {
        int flags = sqPoll ? IoUringSetup.SQPOLL | (sqThreadCpu >= 0 ? IoUringSetup.SQ_AFF : 0) : 0;
        return new IoUringRing(entries, flags, sqThreadCpu, call);
    }

    /**
     * A ring whose SQEs are 128 bytes (IORING_SETUP_SQE128), for {@link #OP_URING_CMD}: the
     * command data of a driver such as FUSE lives in the second half. Single issuer and deferred
     * task work where the kernel has them: create it on the thread that submits and reaps.
     */
    public static IoUringRing createWideEntries(int entries) throws HostIoException {
        return new IoUringRing(entries, IoUringSetup.SQE128, -1, IoUringSetup.KERNEL);
    }

    /** The setup flags the kernel took. */
    public int setupFlags() {
        return setupFlags;
    }

    public int sqEntries() {
        return sqEntries;
    }

    /** Fills the next SQE and publishes it to the kernel (not yet submitted without SQPOLL). */
    public void push(int opcode, int flags, int fd, long offset, long addr, int len, int opFlags, long userData) {
        long sqe = sqes + (long) (sqTail & sqMask) * sqeSize;
        MEMORY.setMemory(sqe, sqeSize, (byte) 0);
        MEMORY.putByte(sqe, (byte) opcode);
        MEMORY.putByte(sqe + 1, (byte) flags);
        MEMORY.putInt(sqe + 4, fd);
        MEMORY.putLong(sqe + 8, offset);
        MEMORY.putLong(sqe + 16, addr);
        MEMORY.putInt(sqe + 24, len);
        MEMORY.putInt(sqe + 28, opFlags);
        MEMORY.putLong(sqe + 32, userData);
        sqTail++;
        INT.setRelease(sqView, sqTailOff, sqTail);
    }

    /**
     * Fills the next (128-byte) SQE with an {@link #OP_URING_CMD} for the driver of {@code fd}
     * and publishes it: {@code cmdOp} is the driver's command, {@code addr}/{@code len} its
     * buffer, and the first three 8-byte words of the command area are {@code cmd0..cmd2} (the
     * rest zero).
     */
    public void pushCommand(int fd, int cmdOp, long addr, int len, long userData, long cmd0, long cmd1, long cmd2) {
        if (sqeSize != SQE128_SIZE) {
            throw new IllegalStateException("a driver command needs a ring of 128-byte SQEs");
        }
        long sqe = sqes + (long) (sqTail & sqMask) * sqeSize;
        MEMORY.setMemory(sqe, sqeSize, (byte) 0);
        MEMORY.putByte(sqe, (byte) OP_URING_CMD);
        MEMORY.putInt(sqe + 4, fd);
        MEMORY.putInt(sqe + 8, cmdOp);
        MEMORY.putLong(sqe + 16, addr);
        MEMORY.putInt(sqe + 24, len);
        MEMORY.putLong(sqe + 32, userData);
        MEMORY.putLong(sqe + CMD_AT, cmd0);
        MEMORY.putLong(sqe + CMD_AT + 8, cmd1);
        MEMORY.putLong(sqe + CMD_AT + 16, cmd2);
        sqTail++;
        INT.setRelease(sqView, sqTailOff, sqTail);
    }

    /** Free entries in the submission ring. */
    public int sqSpace() {
        return sqEntries - (sqTail - (int) INT.getAcquire(sqView, sqHeadOff));
    }

    /**
     * Hands every published SQE to the kernel and, when {@code minComplete} is positive, waits
     * until that many completions are posted: one io_uring_enter in the common case. With
     * DEFER_TASKRUN the kernel posts completions only inside this call, so the issuer calls it
     * (with 0) to collect finished work without waiting. Returns early on EINTR, EAGAIN and EBUSY
     * (the caller reaps and calls again).
     */
    public void submitAndWait(int minComplete) throws HostIoException {
        if (sqPoll) {
            VarHandle.fullFence();
            if (((int) INT.getVolatile(sqView, sqFlagsOff) & SQ_NEED_WAKEUP) != 0) {
                enter(0, 0, ENTER_SQ_WAKEUP);
            }
            if (minComplete > 0) {
                enter(0, minComplete, ENTER_GETEVENTS);
            }
            return;
        }
        while (true) {
            int pending = sqTail - (int) INT.getAcquire(sqView, sqHeadOff);
            long rc = enter(pending, minComplete, ENTER_GETEVENTS);
            if (rc < 0 || pending == 0 || sqTail == (int) INT.getAcquire(sqView, sqHeadOff)) {
                return;
            }
            // part of the ring was submitted (the kernel then does not wait): go on with the rest
        }
    }

    /** Whether a completion is waiting; then {@link #cqeUserData()} and {@link #cqeResult()} read it. */
    public boolean hasCompletion() {
        return cqHead != (int) INT.getAcquire(cqView, cqTailOff);
    }

    public long cqeUserData() {
        return MEMORY.getLong(cqRing + cqesOff + (long) (cqHead & cqMask) * CQE_SIZE);
    }

    public int cqeResult() {
        return MEMORY.getInt(cqRing + cqesOff + (long) (cqHead & cqMask) * CQE_SIZE + 8);
    }

    public void consumeCompletion() {
        cqHead++;
        INT.setRelease(cqView, cqHeadOff, cqHead);
    }

    /** Which opcodes this kernel supports (IORING_REGISTER_PROBE); null when the probe call itself is missing. */
    public boolean[] supportedOpcodes() {
        int ops = 256;
        long probe = MEMORY.allocateMemory(16 + 8L * ops, true);
        try {
            long rc = sys.syscall(SyscallNumbers.IO_URING_REGISTER, fd, REGISTER_PROBE, probe, ops, 0, 0);
            if (rc < 0) {
                return null;
            }
            int len = MEMORY.getByte(probe + 1) & 0xff;
            boolean[] supported = new boolean[ops];
            for (int i = 0; i < len; i++) {
                long op = probe + 16 + 8L * i;
                supported[MEMORY.getByte(op) & 0xff] = (MEMORY.getShort(op + 2) & OP_SUPPORTED) != 0;
            }
            return supported;
        } finally {
            MEMORY.freeMemory(probe);
        }
    }

    /** io_uring_enter: its result, or -errno for the transient EINTR, EAGAIN and EBUSY. */
    private long enter(int toSubmit, int minComplete, int flags) throws HostIoException {
        long rc = sys.syscall(SyscallNumbers.IO_URING_ENTER, fd, toSubmit, minComplete, flags, 0, 0);
        if (rc >= 0) {
            return rc;
        }
        int errno = Native.errno();
        if (errno != Errno.EINTR && errno != Errno.EAGAIN && errno != Errno.EBUSY) {
            throw failure("io_uring_enter", errno);
        }
        return -errno;
    }

    /** io_uring_register; with SINGLE_ISSUER only the issuer may call it. Returns its result or -errno. */
    long register(int opcode, long arg, int count) {
        long rc = sys.syscall(SyscallNumbers.IO_URING_REGISTER, fd, opcode, arg, count, 0, 0);
        return rc < 0 ? -Native.errno() : rc;
    }

    private long map(long size, long offset) throws HostIoException {
        long addr = sys.syscall(SyscallNumbers.MMAP, 0, size, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, offset);
        if (addr < 0 && addr > -4096) {
            int errno = Native.errno();
            sys.close(fd);
            throw failure("mmap of the io_uring rings (" + size + " bytes at " + offset + ")", errno);
        }
        return addr;
    }

    private void unmap(long addr, long size) {
        sys.syscall(SyscallNumbers.MUNMAP, addr, size, 0, 0, 0, 0);
    }

    private static HostIoException failure(String call, int errno) {
        return new HostIoException(call + " failed: " + Native.describe(errno), errno);
    }

    @Override
    public void close() {
        unmap(sqes, sqesSize);
        if (cqRingSize > 0) {
            unmap(cqRing, cqRingSize);
        }
        unmap(sqRing, sqView.capacity());
        sys.close(fd);
    }
}
