package org.aiofs.aio.engine;

import java.util.concurrent.atomic.AtomicInteger;

import com.kenai.jffi.MemoryIO;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.nativeio.Native;
import org.aiofs.aio.nativeio.OpenFlags;
import org.aiofs.aio.nativeio.Syscalls;

/**
 * Wakes the one thread of an engine that sleeps in a kernel or libc wait (io_uring_enter,
 * aio_suspend) when another thread hands it work: the sleeper keeps an asynchronous read of
 * this eventfd among the things it waits for, and a waker writes the eventfd, only when the
 * sleeper said it may sleep. The sleeper announces {@link #maySleep()}, then checks for work
 * once more before it sleeps; a waker hands the work over, then calls {@link #wake()}: one of
 * the two always sees the other.
 */
public final class EventFdWakeup implements AutoCloseable {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final int RUNNING = 0;
    private static final int MAY_SLEEP = 1;
    /** The 8-byte 1 every write adds; never freed. */
    private static final long ONE = MEMORY.allocateMemory(8, true);

    static {
        MEMORY.putLong(ONE, 1);
    }

    private final int fd;
    /** Where the sleeper's read of the eventfd lands. */
    private final long readTarget = MEMORY.allocateMemory(8, true);
    private final AtomicInteger state = new AtomicInteger(RUNNING);
    /** Wakers between deciding to write and having written: the eventfd is closed only at 0. */
    private final AtomicInteger writing = new AtomicInteger();
    private volatile boolean closed;

    public EventFdWakeup() throws HostIoException {
        int efd = Syscalls.INSTANCE.eventfd(0, OpenFlags.O_CLOEXEC);
        if (efd < 0) {
            int errno = Native.errno();
            MEMORY.freeMemory(readTarget);
            throw new HostIoException("eventfd failed: " + Native.describe(errno), errno);
        }
        this.fd = efd;
    }

    /** The eventfd the sleeper reads asynchronously. */
    public int fd() {
        return fd;
    }

    /** 8 bytes for that read. */
    public long readTarget() {
        return readTarget;
    }

    /** The sleeper: from now on a hand-off writes the eventfd. Check for work once more, then sleep. */
    public void maySleep() {
        state.set(MAY_SLEEP);
    }

    /** The sleeper, awake again. */
    public void awake() {
        state.set(RUNNING);
    }

    /** A waker, after handing work over: writes the eventfd if the sleeper may be asleep (once per sleep). */
    public void wake() {
        if (state.get() == MAY_SLEEP && state.compareAndSet(MAY_SLEEP, RUNNING)) {
            signal();
        }
    }

    /** Writes the eventfd whatever the sleeper's state: its pending read completes. */
    public void signal() {
        writing.incrementAndGet();
        try {
            if (!closed) {
                Syscalls.INSTANCE.write(fd, ONE, 8);
            }
        } finally {
            writing.decrementAndGet();
        }
    }

    /**
     * Closes the eventfd once no waker is inside its write. Call it when nothing reads the
     * eventfd any more (the engine's ring or AIO requests are gone), from the sleeper's thread.
     */
    @Override
    public void close() {
        closed = true;
        while (writing.get() != 0) {
            Thread.onSpinWait(); // a waker is a few instructions from the end of its write
        }
        Syscalls.INSTANCE.close(fd);
        MEMORY.freeMemory(readTarget);
    }
}
