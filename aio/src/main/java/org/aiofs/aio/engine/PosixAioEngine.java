package org.aiofs.aio.engine;

import java.util.ArrayDeque;
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
import org.aiofs.aio.nativeio.OpenFlags;
import org.aiofs.aio.nativeio.PosixAio;
import org.aiofs.aio.nativeio.PosixAio.Aiocb;

/**
 * POSIX AIO as glibc implements it: aio_read, aio_write and aio_fsync, run by glibc's own
 * threads with pread/pwrite/fsync. glibc queues the requests of one file descriptor behind
 * each other, so a queue depth of 32 on one file runs like a queue depth of 1: this engine
 * is here to show that, measured (`aiofs bench`), and is never chosen by {@code auto}.
 * <p>Completion: SIGEV_NONE and one reaper thread in aio_suspend over the control blocks in
 * flight. Not SIGEV_THREAD: glibc starts a new thread for every such notification, and each
 * would attach itself to the JVM to run its callback. A request submitted while the reaper
 * sleeps is not in the list it sleeps on, so the submitter wakes it: the list always holds an
 * aio_read of an eventfd, which the submitter writes. Callbacks run on the reaper.
 * <p>POSIX AIO has no vectors: a request with several buffers is bounced through one.
 * Zero range and punch hole have no AIO call and run on the caller.
 */
public final class PosixAioEngine implements IoEngine {
    public static final String NAME = "posix-aio";
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private final PosixAio aio;
    private final int depth;
    /** depth control blocks for requests, then one for the eventfd read. */
    private final long aiocbs;
    /** The control blocks in flight: depth + 1 pointers, NULL where no request is. */
    private final long list;
    /**
     * The reaper's copy of {@link #list} for aio_suspend, which reads its list twice and must not
     * see it change in between (glibc then follows a pointer it never set up).
     */
    private final long suspendList;
    private final EventFdWakeup wakeup;
    private final RequestSlot[] slots;
    private final int[] freeSlots;
    private int freeTop;
    private final ArrayDeque<Queued> overflow = new ArrayDeque<>();
    private final BufferPool pool = new BufferPool(128 * 1024, 4096, 64);
    private final ReentrantLock lock = new ReentrantLock();
    private final Thread reaper;
    // guarded by lock
    private boolean closing;
    private boolean wakeArmed;

    private record Queued(IoRequest request, CompletableFuture<Long> future) {
    }

    public PosixAioEngine() throws HostIoException {
        this(128);
    }

    public PosixAioEngine(int depth) throws HostIoException {
        this.aio = library();
        this.depth = depth;
        this.wakeup = new EventFdWakeup();
        this.aiocbs = MEMORY.allocateMemory((long) Aiocb.SIZE * (depth + 1), true);
        this.list = MEMORY.allocateMemory(8L * (depth + 1), true);
        this.suspendList = MEMORY.allocateMemory(8L * (depth + 1), true);
        MEMORY.setMemory(aiocbs, (long) Aiocb.SIZE * (depth + 1), (byte) 0);
        MEMORY.setMemory(list, 8L * (depth + 1), (byte) 0);
        this.slots = new RequestSlot[depth];
        this.freeSlots = new int[depth];
        for (int i = 0; i < depth; i++) {
            slots[i] = new RequestSlot(1, pool);
            freeSlots[freeTop++] = depth - 1 - i;
        }
        lock.lock();
        try {
            armWake();
        } catch (HostIoException e) {
            release();
            throw e;
        } finally {
            lock.unlock();
        }
        this.reaper = new Thread(this::reap, "aiofs-posix-aio-reaper");
        reaper.setDaemon(true);
        reaper.start();
    }

    private static PosixAio library() throws HostIoException {
        try {
            return PosixAio.load();
        } catch (RuntimeException | LinkageError e) {
            throw new HostIoException("posix-aio: this libc has no POSIX AIO (aio_read): " + e.getMessage(),
                    Errno.ENOSYS);
        }
    }

    /** Works where libc has POSIX AIO; says what that costs. */
    public static ProbeResult probe(HostFile file) {
        try {
            PosixAio aio = library();
            aio.aio_suspend(0, 0, 0); // resolves the symbols; an empty list returns at once
            return ProbeResult.ok(NAME, "libc has POSIX AIO (its threads run the requests of one file one at a time)");
        } catch (HostIoException e) {
            return ProbeResult.refused(NAME, e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return ProbeResult.refused(NAME, "cannot call POSIX AIO: " + e);
        }
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

    @Override
    public List<CompletableFuture<Long>> submitRun(List<? extends IoRequest> run) {
        List<CompletableFuture<Long>> results = new ArrayList<>(run.size());
        List<RequestSlot.Outcome> failed = new ArrayList<>(0);
        List<Queued> here = new ArrayList<>(0);
        boolean started = false;
        lock.lock();
        try {
            for (IoRequest request : run) {
                CompletableFuture<Long> future = new CompletableFuture<>();
                results.add(future);
                if (closing) {
                    failed.add(new RequestSlot.Outcome(future, 0, new IllegalStateException("engine " + NAME
                            + " is closed")));
                } else if (!(request instanceof IoRequest.Read || request instanceof IoRequest.Write
                        || request instanceof IoRequest.Flush)) {
                    here.add(new Queued(request, future)); // no AIO call for it: run below, outside the lock
                } else if (freeTop == 0) {
                    overflow.add(new Queued(request, future)); // the reaper starts it when a slot frees
                } else {
                    RequestSlot.Outcome refused = start(request, future);
                    if (refused != null) {
                        failed.add(refused);
                    } else {
                        started = true;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        if (started) {
            wakeup.wake(); // the reaper may sleep on a list without the new requests
        }
        for (RequestSlot.Outcome o : failed) {
            o.deliver(); // outside the lock: callbacks may submit
        }
        for (Queued q : here) {
            runHere(q.request(), q.future()).deliver();
        }
        return results;
    }

    private static RequestSlot.Outcome runHere(IoRequest request, CompletableFuture<Long> future) {
        try {
            return new RequestSlot.Outcome(future, BlockingIo.execute(request), null);
        } catch (HostIoException | RuntimeException e) {
            return new RequestSlot.Outcome(future, 0, e);
        }
    }

    /** Fills a control block and hands it to glibc; the refusal's outcome when glibc refuses. Holds the lock. */
    private RequestSlot.Outcome start(IoRequest request, CompletableFuture<Long> future) {
        int slot = freeSlots[--freeTop];
        RequestSlot s = slots[slot];
        s.start(request, future);
        long cb = aiocbs + (long) Aiocb.SIZE * slot;
        MEMORY.setMemory(cb, Aiocb.SIZE, (byte) 0);
        MEMORY.putInt(cb + Aiocb.SIGEV_NOTIFY, Aiocb.SIGEV_NONE);
        int rc;
        try {
            if (request instanceof IoRequest.Flush f) {
                MEMORY.putInt(cb + Aiocb.FILDES, f.file().fd());
                rc = aio.aio_fsync(f.dataOnly() ? OpenFlags.O_DSYNC : OpenFlags.O_SYNC, cb);
            } else {
                boolean write = request instanceof IoRequest.Write;
                HostFile file = write ? ((IoRequest.Write) request).file() : ((IoRequest.Read) request).file();
                long position = write ? ((IoRequest.Write) request).position() : ((IoRequest.Read) request).position();
                java.nio.ByteBuffer[] buffers = write ? ((IoRequest.Write) request).buffers()
                        : ((IoRequest.Read) request).buffers();
                MEMORY.putInt(cb + Aiocb.FILDES, file.fd());
                MEMORY.putLong(cb + Aiocb.BUF, s.vector.prepareContiguous(buffers, write, file.alignment(), pool));
                MEMORY.putLong(cb + Aiocb.NBYTES, s.vector.length());
                MEMORY.putLong(cb + Aiocb.OFFSET, position);
                rc = write ? aio.aio_write(cb) : aio.aio_read(cb);
            }
        } catch (RuntimeException e) {
            RequestSlot.Outcome o = s.finish(-Errno.EINVAL);
            freeSlots[freeTop++] = slot;
            return new RequestSlot.Outcome(o.future(), 0, e);
        }
        if (rc != 0) {
            RequestSlot.Outcome o = s.finish(-Native.errno());
            freeSlots[freeTop++] = slot;
            return o;
        }
        MEMORY.putLong(list + 8L * slot, cb);
        return null;
    }

    /** Keeps an aio_read of the eventfd in the list, so a write to it ends the reaper's aio_suspend. Holds the lock. */
    private void armWake() throws HostIoException {
        long cb = aiocbs + (long) Aiocb.SIZE * depth;
        MEMORY.setMemory(cb, Aiocb.SIZE, (byte) 0);
        MEMORY.putInt(cb + Aiocb.FILDES, wakeup.fd());
        MEMORY.putLong(cb + Aiocb.BUF, wakeup.readTarget());
        MEMORY.putLong(cb + Aiocb.NBYTES, 8);
        MEMORY.putInt(cb + Aiocb.SIGEV_NOTIFY, Aiocb.SIGEV_NONE);
        if (aio.aio_read(cb) != 0) {
            int errno = Native.errno();
            throw new HostIoException("aio_read of the wake-up eventfd failed: " + Native.describe(errno), errno);
        }
        MEMORY.putLong(list + 8L * depth, cb);
        wakeArmed = true;
    }

    private void reap() {
        List<Integer> done = new ArrayList<>();
        List<Long> results = new ArrayList<>();
        while (true) {
            lock.lock();
            try {
                while (freeTop > 0 && !overflow.isEmpty()) {
                    Queued q = overflow.poll();
                    RequestSlot.Outcome refused = start(q.request(), q.future());
                    if (refused != null) {
                        lock.unlock();
                        try {
                            refused.deliver();
                        } finally {
                            lock.lock();
                        }
                    }
                }
                if (closing && freeTop == depth && overflow.isEmpty()) {
                    if (!wakeArmed) {
                        release();
                        return;
                    }
                    wakeup.signal(); // ends the armed read, which is not armed again, so its memory can go
                }
                MEMORY.copyMemory(list, suspendList, 8L * (depth + 1));
                wakeup.maySleep(); // from here a submission wakes the reaper: its request is not in the copy
            } finally {
                lock.unlock();
            }
            if (aio.aio_suspend(suspendList, depth + 1, 0) != 0) {
                int errno = Native.errno();
                if (errno != Errno.EINTR && errno != Errno.EAGAIN) {
                    failAll(new HostIoException("aio_suspend failed: " + Native.describe(errno), errno));
                    return;
                }
            }
            done.clear();
            results.clear();
            wakeup.awake();
            lock.lock();
            try {
                for (int slot = 0; slot < depth; slot++) {
                    long cb = MEMORY.getLong(list + 8L * slot);
                    if (cb == 0) {
                        continue;
                    }
                    int error = aio.aio_error(cb);
                    if (error == Aiocb.EINPROGRESS) {
                        continue;
                    }
                    long value = aio.aio_return(cb);
                    MEMORY.putLong(list + 8L * slot, 0);
                    done.add(slot);
                    results.add(error != 0 ? -error : value);
                }
                long wake = aiocbs + (long) Aiocb.SIZE * depth;
                if (wakeArmed && aio.aio_error(wake) != Aiocb.EINPROGRESS) {
                    aio.aio_return(wake);
                    MEMORY.putLong(list + 8L * depth, 0);
                    wakeArmed = false;
                    if (!closing) {
                        armWake();
                    }
                }
            } catch (HostIoException e) {
                lock.unlock();
                failAll(e);
                return;
            } finally {
                if (lock.isHeldByCurrentThread()) {
                    lock.unlock();
                }
            }
            for (int i = 0; i < done.size(); i++) {
                int slot = done.get(i);
                RequestSlot.Outcome outcome = slots[slot].finish(results.get(i));
                lock.lock();
                try {
                    freeSlots[freeTop++] = slot;
                } finally {
                    lock.unlock();
                }
                outcome.deliver();
            }
        }
    }

    /**
     * POSIX AIO itself failed (not one request): fail what waits rather than hang. The control
     * blocks and buffers of requests glibc still holds are left allocated: it may yet write them.
     */
    private void failAll(Exception e) {
        List<CompletableFuture<Long>> waiting = new ArrayList<>();
        lock.lock();
        try {
            closing = true;
            for (Queued q; (q = overflow.poll()) != null; ) {
                waiting.add(q.future());
            }
            for (RequestSlot s : slots) {
                if (s.busy()) {
                    waiting.add(s.future);
                    s.future = null;
                }
            }
        } finally {
            lock.unlock();
        }
        waiting.forEach(f -> f.completeExceptionally(e));
    }

    /** Frees the native memory once nothing refers to it any more. Holds the lock. */
    private void release() {
        wakeup.close();
        for (RequestSlot s : slots) {
            s.vector.free();
        }
        MEMORY.freeMemory(aiocbs);
        MEMORY.freeMemory(list);
        MEMORY.freeMemory(suspendList);
    }

    /** Lets requests already taken finish, then stops the reaper. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closing) {
                return;
            }
            closing = true;
        } finally {
            lock.unlock();
        }
        wakeup.wake(); // completes the armed read, which is not armed again
        if (Thread.currentThread() != reaper) {
            try {
                reaper.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
