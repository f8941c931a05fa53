package org.aiofs.aio.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

import org.aiofs.aio.BufferPool;
import org.aiofs.aio.EngineCapabilities;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.NativeIoVector;
import org.aiofs.aio.nativeio.OpenFlags;

/**
 * io_uring through raw system calls and mmapped rings. A batch is written into the
 * submission ring and handed over with one io_uring_enter. One completion thread reaps the CQEs and completes the futures
 * (callbacks therefore run on it, or on a submitter that finds completions already posted:
 * they must not block).
 * <p>Barriers are kept by {@link IoEngine#submitBatch}'s futures gate, not by IOSQE_IO_DRAIN:
 * the kernel's drain orders but does not cancel, and the interface promises that nothing after
 * a failed request runs (qcow2 links an L2 entry only after its data and refcounts are durable).
 */
public final class IoUringEngine implements IoEngine {
    public static final String NAME = "io_uring";
    private static final int IOVECS_PER_SLOT = 16;
    private static final long WAKE = -1L;

    /** Ring size, and the optional kernel polling thread pinned to a CPU (-1: not pinned). */
    public record Options(int entries, boolean sqPoll, int sqThreadCpu) {
        public static final Options DEFAULT = new Options(128, false, -1);
    }

    private final IoUringRing ring;
    private final RequestSlot[] slots;
    private final InFlightSlots free;
    private final BufferPool pool = new BufferPool(128 * 1024, 4096, 64);
    private final ReentrantLock submitLock = new ReentrantLock();
    /** Whoever holds it consumes the completion ring: the reaper thread, or a submitter reaping inline. */
    private final ReentrantLock reapLock = new ReentrantLock();
    private final Thread reaper;
    /** Set by the reaper when callbacks it ran queued requests: it submits them before waiting again. */
    private boolean submitDeferred;
    private final Options options;
    private volatile boolean closed;
    /** Set under reapLock when the rings are unmapped: nobody may touch them afterwards. */
    private volatile boolean unmapped;
    /** IORING_OP_READ/WRITE (5.6+) for one-buffer requests: no iovec for the kernel to copy in. */
    private final boolean plainReadWrite;

    public IoUringEngine() throws HostIoException {
        this(Options.DEFAULT);
    }

    public IoUringEngine(Options options) throws HostIoException {
        this.options = options;
        this.ring = IoUringRing.create(options.entries(), options.sqPoll(), options.sqThreadCpu());
        boolean[] ops = ring.supportedOpcodes();
        this.plainReadWrite = ops != null && ops[IoUringRing.OP_READ] && ops[IoUringRing.OP_WRITE];
        int count = ring.sqEntries() - 1; // one entry stays free for the close wake-up
        this.slots = new RequestSlot[count];
        for (int i = 0; i < count; i++) {
            slots[i] = new RequestSlot(IOVECS_PER_SLOT, pool);
        }
        this.free = new InFlightSlots(count);
        this.reaper = new Thread(this::reap, "aiofs-io_uring-reaper");
        reaper.setDaemon(true);
        reaper.start();
    }

    /** Works here when a ring can be set up and the kernel's opcode probe lists every opcode the engine uses. */
    public static ProbeResult probe(HostFile file) {
        try (IoUringRing r = IoUringRing.create(4, false, -1)) {
            boolean[] ops = r.supportedOpcodes();
            if (ops == null) {
                return ProbeResult.refused(NAME, "kernel has io_uring but no IORING_REGISTER_PROBE (older than 5.6)");
            }
            int[] needed = {IoUringRing.OP_NOP, IoUringRing.OP_READV, IoUringRing.OP_WRITEV, IoUringRing.OP_FSYNC,
                    IoUringRing.OP_FALLOCATE};
            String[] names = {"NOP", "READV", "WRITEV", "FSYNC", "FALLOCATE"};
            for (int i = 0; i < needed.length; i++) {
                if (!ops[needed[i]]) {
                    return ProbeResult.refused(NAME, "kernel io_uring lacks opcode " + names[i]);
                }
            }
            return ProbeResult.ok(NAME, "io_uring_setup works and READV, WRITEV, FSYNC, FALLOCATE are supported"
                    + (file != null && file.direct() ? " (O_DIRECT)" : " (buffered)"));
        } catch (HostIoException e) {
            return ProbeResult.refused(NAME, e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return ProbeResult.refused(NAME, "cannot call io_uring: " + e);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    public Options options() {
        return options;
    }

    @Override
    public EngineCapabilities capabilities() {
        return new EngineCapabilities(true, true, true, false, false, true);
    }

    @Override
    public CompletableFuture<Long> submit(IoRequest request) {
        return submitRun(List.of(request)).get(0);
    }

    /** A run goes into the submission ring and to the kernel with one io_uring_enter. */
    @Override
    public List<CompletableFuture<Long>> submitRun(List<? extends IoRequest> batch) {
        List<CompletableFuture<Long>> results = new ArrayList<>(batch.size());
        boolean pushed = false;
        submitLock.lock();
        try {
            for (IoRequest request : batch) {
                CompletableFuture<Long> future = new CompletableFuture<>();
                results.add(future);
                if (closed) {
                    future.completeExceptionally(new IllegalStateException("engine " + NAME + " is closed"));
                    continue;
                }
                int slot = takeSlot();
                if (slot < 0) {
                    future.completeExceptionally(new IllegalStateException("engine " + NAME + " is closed"));
                    continue;
                }
                slots[slot].start(request, future);
                try {
                    push(slot, request);
                } catch (RuntimeException e) {
                    slots[slot].fail(e);
                    free.give(slot);
                }
                pushed = true;
            }
            if (pushed) {
                if (Thread.currentThread() == reaper) {
                    submitDeferred = true; // resubmitted from a completion: handed over once per batch of completions
                } else {
                    ring.submit();
                }
            }
        } catch (HostIoException e) {
            failUnsubmitted(e);
        } finally {
            submitLock.unlock();
        }
        reapInline();
        return results;
    }

    /**
     * Completions already posted (page-cache hits complete inside io_uring_enter) are handled
     * right here, sparing two thread hand-offs; the reaper thread handles the rest.
     */
    private void reapInline() {
        if (reapLock.isHeldByCurrentThread()) {
            return; // submitted from a completion callback: the loop below us reaps; nesting would grow the stack
        }
        if (!closed && reapLock.tryLock()) {
            try {
                if (!unmapped && ring.hasCompletion()) {
                    handleCompletions();
                }
            } finally {
                reapLock.unlock();
            }
        }
    }

    /** A free slot; if none, submits what is queued and waits outside the lock for a completion. */
    private int takeSlot() throws HostIoException {
        int slot = free.tryTake();
        while (slot < 0 && !closed) {
            ring.submit();
            if (Thread.currentThread() == reaper || reapLock.isHeldByCurrentThread()) {
                reapOnce(); // a callback submitting while completions wait on us: make room ourselves
                slot = free.tryTake();
                continue;
            }
            int holds = submitLock.getHoldCount();
            for (int i = 0; i < holds; i++) {
                submitLock.unlock();
            }
            try {
                slot = free.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            } finally {
                for (int i = 0; i < holds; i++) {
                    submitLock.lock();
                }
            }
        }
        return slot;
    }

    private void push(int slot, IoRequest request) {
        int flags = 0;
        RequestSlot s = slots[slot];
        if (request instanceof IoRequest.Read r) {
            int n = s.vector.prepare(r.buffers(), false, r.file().alignment(), pool);
            pushTransfer(false, flags, r.file().fd(), r.position(), s.vector, n, slot);
        } else if (request instanceof IoRequest.Write w) {
            int n = s.vector.prepare(w.buffers(), true, w.file().alignment(), pool);
            pushTransfer(true, flags, w.file().fd(), w.position(), s.vector, n, slot);
        } else if (request instanceof IoRequest.Flush f) {
            ring.push(IoUringRing.OP_FSYNC, flags, f.file().fd(), 0, 0, 0,
                    f.dataOnly() ? IoUringRing.FSYNC_DATASYNC : 0, slot);
        } else if (request instanceof IoRequest.ZeroRange z) {
            // FALLOCATE: offset in off, length in addr, mode in len
            ring.push(IoUringRing.OP_FALLOCATE, flags, z.file().fd(), z.position(), z.length(),
                    OpenFlags.FALLOC_FL_ZERO_RANGE | OpenFlags.FALLOC_FL_KEEP_SIZE, 0, slot);
        } else if (request instanceof IoRequest.PunchHole p) {
            ring.push(IoUringRing.OP_FALLOCATE, flags, p.file().fd(), p.position(), p.length(),
                    OpenFlags.FALLOC_FL_PUNCH_HOLE | OpenFlags.FALLOC_FL_KEEP_SIZE, 0, slot);
        } else {
            ring.push(IoUringRing.OP_NOP, flags, -1, 0, 0, 0, 0, slot);
        }
    }

    private void pushTransfer(boolean write, int flags, int fd, long position, NativeIoVector vector, int entries,
                              int slot) {
        if (entries == 1 && plainReadWrite && vector.length() <= Integer.MAX_VALUE) {
            ring.push(write ? IoUringRing.OP_WRITE : IoUringRing.OP_READ, flags, fd, position,
                    vector.firstAddress(), (int) vector.length(), 0, slot);
        } else {
            ring.push(write ? IoUringRing.OP_WRITEV : IoUringRing.OP_READV, flags, fd, position, vector.address(),
                    entries, 0, slot);
        }
    }

    private void reap() {
        while (true) {
            try {
                if (!reapOnce()) {
                    return;
                }
            } catch (HostIoException | RuntimeException e) {
                failUnsubmitted(e);
                return;
            }
        }
    }

    /** Waits for and handles the completions available; false once the close wake-up arrived. */
    private boolean reapOnce() throws HostIoException {
        if (submitDeferred) {
            submitDeferred = false;
            submitLock.lock();
            try {
                ring.submit();
            } finally {
                submitLock.unlock();
            }
        }
        if (!ring.hasCompletion()) {
            ring.waitForCompletion();
        }
        reapLock.lock();
        try {
            return handleCompletions();
        } finally {
            reapLock.unlock();
        }
    }

    /** Handles the posted completions; false once the close wake-up was among them. Holds reapLock. */
    private boolean handleCompletions() {
        boolean running = true;
        while (ring.hasCompletion()) {
            long userData = ring.cqeUserData();
            int result = ring.cqeResult();
            ring.consumeCompletion();
            if (userData == WAKE) {
                if (Thread.currentThread() != reaper) {
                    postWake(); // reaped inline: the reaper still has to see it
                } else {
                    running = false;
                }
                continue;
            }
            int slot = (int) userData;
            slots[slot].complete(result);
            free.give(slot);
        }
        return running;
    }

    /** The ring itself failed (not one request): fail everything still waiting rather than hang. */
    private void failUnsubmitted(Exception e) {
        for (int i = 0; i < slots.length; i++) {
            if (slots[i].future != null) {
                slots[i].fail(e);
                free.give(i);
            }
        }
    }

    /** A NOP whose completion tells the reaper to stop (sent once nothing is in flight). */
    private void postWake() {
        submitLock.lock();
        try {
            ring.push(IoUringRing.OP_NOP, 0, -1, 0, 0, 0, 0, WAKE);
            ring.submit();
        } catch (HostIoException e) {
            throw new IllegalStateException("io_uring: cannot wake the reaper: " + e.getMessage(), e);
        } finally {
            submitLock.unlock();
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
            if (Thread.currentThread() != reaper && reaper.isAlive()) {
                free.drainAll(); // requests in flight complete first
                postWake();
                reaper.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (!reaper.isAlive()) {
                reapLock.lock();
                try {
                    unmapped = true;
                    ring.close();
                } finally {
                    reapLock.unlock();
                }
                for (RequestSlot s : slots) {
                    s.vector.free();
                }
            }
        }
    }
}
