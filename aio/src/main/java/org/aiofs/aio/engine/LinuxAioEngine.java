package org.aiofs.aio.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

import com.kenai.jffi.MemoryIO;
import org.aiofs.aio.BlockingIo;
import org.aiofs.aio.BufferPool;
import org.aiofs.aio.EngineCapabilities;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.aio.nativeio.Native;
import org.aiofs.aio.nativeio.SyscallNumbers;
import org.aiofs.aio.nativeio.Syscalls;

/**
 * Linux native AIO (io_setup/io_submit/io_getevents as raw system calls). Only for
 * O_DIRECT files: on buffered files io_submit does the I/O inside the call, so "async"
 * would block the submitter. Completions signal an eventfd that a reaper thread waits on.
 * The kernel has no ordering flag: a barrier holds back the rest of its batch until
 * everything before it has completed. Zero range and punch hole have no AIO opcode and
 * run synchronously on the caller.
 */
public final class LinuxAioEngine implements IoEngine {
    public static final String NAME = "linux-aio";
    private static final int CMD_FSYNC = 2;
    private static final int CMD_FDSYNC = 3;
    private static final int CMD_PREADV = 7;
    private static final int CMD_PWRITEV = 8;
    private static final int IOCB_FLAG_RESFD = 1;
    private static final int IOCB_SIZE = 64;
    private static final int EVENT_SIZE = 32;
    private static final int EFD_CLOEXEC = 0x80000;
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private final Syscalls sys = Syscalls.INSTANCE;
    private final int depth;
    private final long context;
    private final int eventFd;
    private final long iocbs;
    private final long iocbPointers;
    private final long events;
    private final long counter;
    private final long zeroTimeout;
    private final RequestSlot[] slots;
    private final InFlightSlots free;
    private final BufferPool pool = new BufferPool(128 * 1024, 4096, 64);
    private final ReentrantLock submitLock = new ReentrantLock();
    private final Thread reaper;
    private volatile boolean closed;
    private volatile boolean drained;

    public LinuxAioEngine() throws HostIoException {
        this(128);
    }

    public LinuxAioEngine(int depth) throws HostIoException {
        this.depth = depth;
        this.context = setup(depth);
        int efd = sys.eventfd(0, EFD_CLOEXEC);
        if (efd < 0) {
            int errno = Native.errno();
            destroy(context);
            throw new HostIoException("eventfd failed: " + Native.describe(errno), errno);
        }
        this.eventFd = efd;
        this.iocbs = MEMORY.allocateMemory((long) IOCB_SIZE * depth, true);
        this.iocbPointers = MEMORY.allocateMemory(8L * depth, true);
        this.events = MEMORY.allocateMemory((long) EVENT_SIZE * depth, true);
        this.counter = MEMORY.allocateMemory(8, true);
        this.zeroTimeout = MEMORY.allocateMemory(16, true);
        MEMORY.setMemory(zeroTimeout, 16, (byte) 0);
        this.slots = new RequestSlot[depth];
        for (int i = 0; i < depth; i++) {
            slots[i] = new RequestSlot(16, pool);
        }
        this.free = new InFlightSlots(depth);
        this.reaper = new Thread(this::reap, "aiofs-linux-aio-reaper");
        reaper.setDaemon(true);
        reaper.start();
    }

    /**
     * Works when io_setup works. (Buffered files are refused before this, from the engine's
     * capabilities in {@link Engines}: io_submit would do their I/O inside the call.)
     */
    public static ProbeResult probe(HostFile file) {
        try {
            destroy(setup(1));
            return ProbeResult.ok(NAME, "io_setup works" + (file != null && file.direct() ? " and the file is O_DIRECT" : ""));
        } catch (HostIoException e) {
            return ProbeResult.refused(NAME, e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return ProbeResult.refused(NAME, "cannot call io_setup: " + e);
        }
    }

    private static long setup(int depth) throws HostIoException {
        if (!SyscallNumbers.KNOWN) {
            throw new HostIoException("linux-aio: unknown architecture " + System.getProperty("os.arch"), Errno.ENOSYS);
        }
        long ctxp = MEMORY.allocateMemory(8, true);
        try {
            MEMORY.putLong(ctxp, 0);
            long rc = Syscalls.INSTANCE.syscall(SyscallNumbers.IO_SETUP, depth, ctxp, 0, 0, 0, 0);
            if (rc < 0) {
                int errno = Native.errno();
                throw new HostIoException("io_setup failed: " + Native.describe(errno), errno);
            }
            return MEMORY.getLong(ctxp);
        } finally {
            MEMORY.freeMemory(ctxp);
        }
    }

    private static void destroy(long ctx) {
        Syscalls.INSTANCE.syscall(SyscallNumbers.IO_DESTROY, ctx, 0, 0, 0, 0, 0);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EngineCapabilities capabilities() {
        return Engines.entry(NAME).capabilities();
    }

    @Override
    public CompletableFuture<Long> submit(IoRequest request) {
        return submitRun(List.of(request)).get(0);
    }

    /** A run goes to the kernel in one io_submit. */
    @Override
    public List<CompletableFuture<Long>> submitRun(List<? extends IoRequest> run) {
        List<CompletableFuture<Long>> results = new ArrayList<>(run.size());
        submitLock.lock();
        try {
            int queued = 0;
            for (IoRequest request : run) {
                CompletableFuture<Long> future = new CompletableFuture<>();
                results.add(future);
                if (closed) {
                    future.completeExceptionally(new IllegalStateException("engine " + NAME + " is closed"));
                    continue;
                }
                if (request instanceof IoRequest.ZeroRange || request instanceof IoRequest.PunchHole) {
                    try {
                        future.complete(BlockingIo.execute(request));
                    } catch (HostIoException | RuntimeException e) {
                        future.completeExceptionally(e);
                    }
                    continue;
                }
                int slot = free.tryTake();
                if (slot < 0) {
                    queued = flush(queued);
                    slot = waitForSlot();
                    if (slot < 0) {
                        future.completeExceptionally(new IllegalStateException("engine " + NAME + " is closed"));
                        continue;
                    }
                }
                slots[slot].start(request, future);
                try {
                    fill(slot, request);
                } catch (RuntimeException e) {
                    slots[slot].fail(e);
                    free.give(slot);
                    continue;
                }
                MEMORY.putLong(iocbPointers + 8L * queued++, iocbs + (long) IOCB_SIZE * slot);
            }
            flush(queued);
        } finally {
            submitLock.unlock();
        }
        return results;
    }

    /** io_submit of the queued iocbs; one the kernel refuses fails its own request only. Returns 0. */
    private int flush(int queued) {
        int done = 0;
        while (done < queued) {
            long rc = sys.syscall(SyscallNumbers.IO_SUBMIT, context, queued - done, iocbPointers + 8L * done, 0, 0, 0);
            if (rc > 0) {
                done += (int) rc;
                continue;
            }
            int errno = rc == 0 ? Errno.EAGAIN : Native.errno();
            if (errno == Errno.EINTR || errno == Errno.EAGAIN && free.inFlight() > queued - done) {
                continue; // completions make room
            }
            int slot = (int) MEMORY.getLong(MEMORY.getLong(iocbPointers + 8L * done));
            RequestSlot.Outcome outcome = slots[slot].finish(-errno);
            free.give(slot);
            outcome.deliver();
            done++;
        }
        return 0;
    }

    private int waitForSlot() {
        int slot = free.tryTake();
        while (slot < 0 && !closed) {
            if (Thread.currentThread() == reaper) {
                reapAvailable(1); // a callback submitting on the reaper thread: make room ourselves
                slot = free.tryTake();
                continue;
            }
            submitLock.unlock();
            try {
                slot = free.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            } finally {
                submitLock.lock();
            }
        }
        return slot;
    }

    private void fill(int slot, IoRequest request) {
        long iocb = iocbs + (long) IOCB_SIZE * slot;
        MEMORY.setMemory(iocb, IOCB_SIZE, (byte) 0);
        MEMORY.putLong(iocb, slot);
        RequestSlot s = slots[slot];
        HostFile file;
        int opcode;
        if (request instanceof IoRequest.Read r) {
            file = r.file();
            opcode = CMD_PREADV;
            MEMORY.putLong(iocb + 32, s.vector.prepare(r.buffers(), false, file.alignment(), pool));
            MEMORY.putLong(iocb + 24, s.vector.address());
            MEMORY.putLong(iocb + 40, r.position());
        } else if (request instanceof IoRequest.Write w) {
            file = w.file();
            opcode = CMD_PWRITEV;
            MEMORY.putLong(iocb + 32, s.vector.prepare(w.buffers(), true, file.alignment(), pool));
            MEMORY.putLong(iocb + 24, s.vector.address());
            MEMORY.putLong(iocb + 40, w.position());
        } else if (request instanceof IoRequest.Flush f) {
            file = f.file();
            opcode = f.dataOnly() ? CMD_FDSYNC : CMD_FSYNC;
        } else {
            throw new IllegalArgumentException("linux-aio cannot queue " + request);
        }
        MEMORY.putShort(iocb + 16, (short) opcode);
        MEMORY.putInt(iocb + 20, file.fd());
        MEMORY.putInt(iocb + 56, IOCB_FLAG_RESFD);
        MEMORY.putInt(iocb + 60, eventFd);
    }

    private void reap() {
        while (true) {
            long n = sys.read(eventFd, counter, 8);
            if (n < 0 && Native.errno() == Errno.EINTR) {
                continue;
            }
            reapAvailable(0);
            if (drained || n < 0) {
                return;
            }
        }
    }

    /** Handles completed events, waiting for at least {@code min} of them. */
    private void reapAvailable(int min) {
        while (true) {
            long got = sys.syscall(SyscallNumbers.IO_GETEVENTS, context, min, depth, events,
                    min > 0 ? 0 : zeroTimeout, 0);
            if (got < 0 && Native.errno() == Errno.EINTR) {
                continue;
            }
            if (got <= 0) {
                return;
            }
            for (int i = 0; i < got; i++) {
                long event = events + (long) EVENT_SIZE * i;
                int slot = (int) MEMORY.getLong(event);
                RequestSlot.Outcome outcome = slots[slot].finish(MEMORY.getLong(event + 16));
                free.give(slot);
                outcome.deliver();
            }
            min = 0;
        }
    }

    @Override
    public void close() {
        submitLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            submitLock.unlock();
        }
        try {
            if (Thread.currentThread() != reaper) {
                free.drainAll();
                drained = true; // wake the reaper: nothing is in flight any more
                long one = MEMORY.allocateMemory(8, true);
                MEMORY.putLong(one, 1);
                sys.write(eventFd, one, 8);
                MEMORY.freeMemory(one);
                reaper.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (!reaper.isAlive()) {
                destroy(context);
                sys.close(eventFd);
                for (RequestSlot s : slots) {
                    s.vector.free();
                }
                MEMORY.freeMemory(iocbs);
                MEMORY.freeMemory(iocbPointers);
                MEMORY.freeMemory(events);
                MEMORY.freeMemory(counter);
                MEMORY.freeMemory(zeroTimeout);
            }
        }
    }
}
