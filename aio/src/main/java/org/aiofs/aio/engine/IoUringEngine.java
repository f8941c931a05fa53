package org.aiofs.aio.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.aiofs.aio.BufferPool;
import org.aiofs.aio.EngineCapabilities;
import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.NativeIoVector;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.aio.nativeio.OpenFlags;

/**
 * io_uring through raw system calls and mmapped rings, driven by one issuer thread that
 * owns the ring, as fio drives it: it fills the submission ring, then submits and waits for
 * completions in one io_uring_enter, and completes the futures. The ring is set up with
 * SINGLE_ISSUER and DEFER_TASKRUN where the kernel has them ({@link IoUringSetup}), so the
 * kernel's completion work runs on the issuer when it asks, never as an interrupt of some
 * other thread.
 * <p>Requests submitted from a completion callback (on the issuer) go straight into the next
 * io_uring_enter. Other threads hand requests over through a queue and wake the issuer with an
 * eventfd write, only when it is asleep; the issuer keeps a read of that eventfd in the ring.
 * Callbacks run on the issuer: they must not block.
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

    /** A request handed to the issuer, with the future it completes. */
    private record Pending(IoRequest request, CompletableFuture<Long> future) {
    }

    private final Options options;
    private final Thread issuer;
    private final ConcurrentLinkedQueue<Pending> handOff = new ConcurrentLinkedQueue<>();
    private final EventFdWakeup wakeup;
    private final BufferPool pool = new BufferPool(128 * 1024, 4096, 64);
    private volatile boolean closing;
    /** Set by the issuer when it has left its loop: nothing handed over afterwards will run. */
    private volatile boolean stopped;
    /** Why the ring stopped working, when it did (every later request fails with it). */
    private volatile Throwable broken;
    /** The setup flags the kernel took, in words. */
    private volatile String setup = "";

    // Owned by the issuer thread.
    private IoUringRing ring;
    private RequestSlot[] slots;
    private int[] freeSlots;
    private int freeTop;
    private final ArrayDeque<Pending> backlog = new ArrayDeque<>();
    private boolean wakeArmed;
    /** IORING_OP_READ/WRITE (5.6+) for one-buffer requests: no iovec for the kernel to copy in. */
    private boolean plainReadWrite;

    public IoUringEngine() throws HostIoException {
        this(Options.DEFAULT);
    }

    public IoUringEngine(Options options) throws HostIoException {
        this(options, IoUringSetup.KERNEL);
    }

    /** With a stand-in for io_uring_setup: tests play a kernel that lacks optional flags. */
    IoUringEngine(Options options, IoUringSetup.Call setupCall) throws HostIoException {
        this.options = options;
        this.wakeup = new EventFdWakeup();
        CompletableFuture<Void> started = new CompletableFuture<>();
        this.issuer = new Thread(() -> run(setupCall, started), "aiofs-io_uring");
        issuer.setDaemon(true);
        issuer.start();
        try {
            Futures.await(started);
        } catch (HostIoException e) {
            throw e;
        } catch (java.io.IOException e) {
            throw new HostIoException("io_uring: " + e.getMessage(), Errno.EIO);
        }
    }

    /** Works here when a ring can be set up and the kernel's opcode probe lists every opcode the engine uses. */
    public static ProbeResult probe(HostFile file) {
        return probe(file, IoUringSetup.KERNEL);
    }

    static ProbeResult probe(HostFile file, IoUringSetup.Call setupCall) {
        try (IoUringRing r = IoUringRing.create(4, false, -1, setupCall)) {
            boolean[] ops = r.supportedOpcodes();
            if (ops == null) {
                return ProbeResult.refused(NAME, "kernel has io_uring but no IORING_REGISTER_PROBE (older than 5.6)");
            }
            int[] needed = {IoUringRing.OP_NOP, IoUringRing.OP_READV, IoUringRing.OP_WRITEV, IoUringRing.OP_FSYNC,
                    IoUringRing.OP_FALLOCATE, IoUringRing.OP_READ};
            String[] names = {"NOP", "READV", "WRITEV", "FSYNC", "FALLOCATE", "READ"};
            for (int i = 0; i < needed.length; i++) {
                if (!ops[needed[i]]) {
                    return ProbeResult.refused(NAME, "kernel io_uring lacks opcode " + names[i]);
                }
            }
            return ProbeResult.ok(NAME, "io_uring_setup works (" + IoUringSetup.describe(r.setupFlags())
                    + ") and READV, WRITEV, FSYNC, FALLOCATE are supported"
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

    /** The optional setup flags the kernel took, in words (e.g. "single issuer, deferred task work"). */
    public String setup() {
        return setup;
    }

    @Override
    public EngineCapabilities capabilities() {
        return Engines.entry(NAME).capabilities();
    }

    @Override
    public CompletableFuture<Long> submit(IoRequest request) {
        CompletableFuture<Long> future = new CompletableFuture<>();
        if (refuse(future)) {
            return future;
        }
        Pending p = new Pending(request, future);
        if (Thread.currentThread() == issuer) {
            backlog.add(p); // from a completion callback: goes into the issuer's next io_uring_enter
        } else {
            handOff.offer(p);
            wakeIssuer();
        }
        return future;
    }

    /** A run is handed over at once, with one wake-up of the issuer. */
    @Override
    public List<CompletableFuture<Long>> submitRun(List<? extends IoRequest> run) {
        List<CompletableFuture<Long>> results = new ArrayList<>(run.size());
        boolean onIssuer = Thread.currentThread() == issuer;
        for (IoRequest request : run) {
            CompletableFuture<Long> future = new CompletableFuture<>();
            results.add(future);
            if (!refuse(future)) {
                Pending p = new Pending(request, future);
                if (onIssuer) {
                    backlog.add(p);
                } else {
                    handOff.offer(p);
                }
            }
        }
        if (!onIssuer) {
            wakeIssuer();
        }
        return results;
    }

    /** Fails the future when the engine no longer takes work. */
    private boolean refuse(CompletableFuture<Long> future) {
        if (!closing && broken == null) {
            return false;
        }
        future.completeExceptionally(broken != null ? broken : closedError());
        return true;
    }

    private static IllegalStateException closedError() {
        return new IllegalStateException("engine " + NAME + " is closed");
    }

    /** After a hand-off: wakes the issuer if it sleeps; if it has stopped, fails what it will never take. */
    private void wakeIssuer() {
        wakeup.wake();
        if (stopped) {
            failHandedOver();
        }
    }

    private void failHandedOver() {
        Throwable why = broken != null ? broken : closedError();
        for (Pending p; (p = handOff.poll()) != null; ) {
            p.future().completeExceptionally(why);
        }
    }

    // ---- the issuer thread ----

    private void run(IoUringSetup.Call setupCall, CompletableFuture<Void> started) {
        try {
            ring = IoUringRing.create(options.entries(), options.sqPoll(), options.sqThreadCpu(), setupCall);
            boolean[] ops = ring.supportedOpcodes();
            plainReadWrite = ops != null && ops[IoUringRing.OP_READ] && ops[IoUringRing.OP_WRITE];
            int count = ring.sqEntries() - 1; // one entry stays for the eventfd read that wakes the issuer
            slots = new RequestSlot[count];
            freeSlots = new int[count];
            for (int i = 0; i < count; i++) {
                slots[i] = new RequestSlot(IOVECS_PER_SLOT, pool);
                freeSlots[freeTop++] = count - 1 - i;
            }
            setup = IoUringSetup.describe(ring.setupFlags());
        } catch (HostIoException | RuntimeException | LinkageError e) {
            if (ring != null) {
                ring.close();
            }
            wakeup.close();
            stopped = true;
            started.completeExceptionally(e);
            return;
        }
        started.complete(null);
        try {
            loop();
        } catch (HostIoException | RuntimeException e) {
            broken = e; // the ring itself failed: nothing more can run on it
        } finally {
            stopped = true;
            Throwable why = broken != null ? broken : closedError();
            for (RequestSlot s : slots) {
                if (s.busy()) {
                    s.fail(why);
                }
            }
            for (Pending p; (p = backlog.poll()) != null; ) {
                p.future().completeExceptionally(why);
            }
            failHandedOver();
            ring.close(); // also cancels the eventfd read, so nothing lands in its buffer any more
            wakeup.close();
            for (RequestSlot s : slots) {
                s.vector.free();
            }
        }
    }

    private void loop() throws HostIoException {
        while (true) {
            for (Pending p; (p = handOff.poll()) != null; ) {
                backlog.add(p);
            }
            pushBacklog();
            int inFlight = slots.length - freeTop;
            if (closing && inFlight == 0 && backlog.isEmpty() && handOff.isEmpty()) {
                return;
            }
            if (!wakeArmed && ring.sqSpace() > 0) {
                ring.push(IoUringRing.OP_READ, 0, wakeup.fd(), 0, wakeup.readTarget(), 8, 0, WAKE);
                wakeArmed = true;
            }
            // Sleep only when nothing can go on without a completion or a hand-off.
            boolean sleep = (backlog.isEmpty() || freeTop == 0) && !ring.hasCompletion();
            if (sleep) {
                wakeup.maySleep();
                if (!handOff.isEmpty() || closing && inFlight == 0) {
                    sleep = false;
                }
            }
            ring.submitAndWait(sleep ? 1 : 0);
            wakeup.awake();
            reap();
        }
    }

    /** Moves waiting requests into the submission ring while slots are free. */
    private void pushBacklog() {
        while (freeTop > 0 && !backlog.isEmpty() && ring.sqSpace() > 1) {
            Pending p = backlog.poll();
            int slot = freeSlots[--freeTop];
            slots[slot].start(p.request(), p.future());
            try {
                push(slot, p.request());
            } catch (RuntimeException e) {
                slots[slot].fail(e);
                freeSlots[freeTop++] = slot;
            }
        }
    }

    private void reap() {
        while (ring.hasCompletion()) {
            long userData = ring.cqeUserData();
            int result = ring.cqeResult();
            ring.consumeCompletion();
            if (userData == WAKE) {
                wakeArmed = false; // re-armed before the next sleep
                continue;
            }
            int slot = (int) userData;
            RequestSlot.Outcome outcome = slots[slot].finish(result);
            freeSlots[freeTop++] = slot; // free before the callbacks run: they may submit at once
            outcome.deliver();
        }
    }

    private void push(int slot, IoRequest request) {
        RequestSlot s = slots[slot];
        if (request instanceof IoRequest.Read r) {
            int n = s.vector.prepare(r.buffers(), false, r.file().alignment(), pool);
            pushTransfer(false, r.file().fd(), r.position(), s.vector, n, slot);
        } else if (request instanceof IoRequest.Write w) {
            int n = s.vector.prepare(w.buffers(), true, w.file().alignment(), pool);
            pushTransfer(true, w.file().fd(), w.position(), s.vector, n, slot);
        } else if (request instanceof IoRequest.Flush f) {
            ring.push(IoUringRing.OP_FSYNC, 0, f.file().fd(), 0, 0, 0,
                    f.dataOnly() ? IoUringRing.FSYNC_DATASYNC : 0, slot);
        } else if (request instanceof IoRequest.ZeroRange z) {
            // FALLOCATE: offset in off, length in addr, mode in len
            ring.push(IoUringRing.OP_FALLOCATE, 0, z.file().fd(), z.position(), z.length(),
                    OpenFlags.FALLOC_FL_ZERO_RANGE | OpenFlags.FALLOC_FL_KEEP_SIZE, 0, slot);
        } else if (request instanceof IoRequest.PunchHole p) {
            ring.push(IoUringRing.OP_FALLOCATE, 0, p.file().fd(), p.position(), p.length(),
                    OpenFlags.FALLOC_FL_PUNCH_HOLE | OpenFlags.FALLOC_FL_KEEP_SIZE, 0, slot);
        } else {
            ring.push(IoUringRing.OP_NOP, 0, -1, 0, 0, 0, 0, slot);
        }
    }

    private void pushTransfer(boolean write, int fd, long position, NativeIoVector vector, int entries, int slot) {
        if (entries == 1 && plainReadWrite && vector.length() <= Integer.MAX_VALUE) {
            ring.push(write ? IoUringRing.OP_WRITE : IoUringRing.OP_READ, 0, fd, position,
                    vector.firstAddress(), (int) vector.length(), 0, slot);
        } else {
            ring.push(write ? IoUringRing.OP_WRITEV : IoUringRing.OP_READV, 0, fd, position, vector.address(),
                    entries, 0, slot);
        }
    }

    /** Lets requests already taken finish, then stops the issuer and releases the ring. */
    @Override
    public void close() {
        closing = true;
        wakeup.wake();
        if (Thread.currentThread() == issuer) {
            return; // closed from a callback: the loop ends once in-flight work is done
        }
        try {
            issuer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
