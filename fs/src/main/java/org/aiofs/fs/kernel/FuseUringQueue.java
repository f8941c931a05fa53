package org.aiofs.fs.kernel;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import com.kenai.jffi.MemoryIO;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.engine.EventFdWakeup;
import org.aiofs.aio.engine.IoUringRing;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.aio.nativeio.Native;
import org.aiofs.fs.log.ServerLog;

/**
 * One queue of FUSE over io_uring: a thread with a ring of its own (128-byte SQEs) and
 * {@code depth} entries, each a {@link RequestBuffer} registered with the kernel for queue
 * {@code qid}. The kernel puts a request the task on CPU {@code qid} makes into a free entry of
 * this queue and completes that entry's command; the thread lays the request out as a read from
 * /dev/fuse would ({@link #serve}) and dispatches it. The reply is committed with
 * COMMIT_AND_FETCH, which also hands the entry back for the next request. A reply made on
 * another thread (an engine's) is queued for this thread, which owns the ring (single issuer),
 * and the thread is woken with an eventfd it keeps a read of in the ring.
 *
 * <p>Layout of an entry's memory (one mapping): struct fuse_uring_req_header (288 bytes) at 0,
 * the two iovecs REGISTER names (headers, payload) at {@link #IOVECS_AT}, the payload at
 * {@link RequestBuffer#DATA_AT}. The kernel writes the fuse_in_header to the headers' first 128
 * bytes, the request's first argument (its fixed struct) to the next 128, and the rest (a
 * WRITE's data, a LOOKUP's name) to the payload; the thread copies header and argument to just
 * before the payload, where a /dev/fuse read would have put them.
 */
final class FuseUringQueue {
    static final int CMD_REGISTER = 1;
    static final int CMD_COMMIT_AND_FETCH = 2;
    /** sizeof(struct fuse_uring_req_header): in_out[128], op_in[128], struct fuse_uring_ent_in_out (32). */
    static final int HEADERS_SIZE = 288;
    static final int OP_IN_AT = 128;
    static final int ENT_COMMIT_ID_AT = 256 + 8;
    static final int ENT_PAYLOAD_SIZE_AT = 256 + 16;
    static final int OP_IN_MAX = 128;
    static final int IOVECS_AT = 512;

    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final long WAKE = -1L;
    private static final int IN_KERNEL = 0;
    private static final int IN_SERVER = 1;
    private static final int DEAD = 2;
    private static final int REGISTER_RETRIES = 200;

    /** What the queue asks of the session. */
    interface Server {
        /** Serves one request fetched from the ring (counted in flight until answered). */
        void dispatch(FuseRequest request);

        /** How ring requests end: counted and logged as /dev/fuse ones, their buffers kept by the entry. */
        FuseRequest.RequestEnd ringEnd();
    }

    /** An entry: its buffers, and the way a reply reaches the ring thread. */
    private final class Entry implements FuseRequest.ReplyChannel {
        final int index;
        final RequestBuffer buffer;
        int state = IN_KERNEL;
        int registerTries;

        Entry(int index, RequestBuffer buffer) {
            this.index = index;
            this.buffer = buffer;
            long iov = buffer.address() + IOVECS_AT;
            MEMORY.putLong(iov, buffer.address());
            MEMORY.putLong(iov + 8, HEADERS_SIZE);
            MEMORY.putLong(iov + 16, buffer.address() + RequestBuffer.DATA_AT);
            MEMORY.putLong(iov + 24, Math.min(registeredPayload, buffer.dataCapacity()));
        }

        /** The reply's header goes to the headers' in_out, its payload is already at DATA_AT. */
        @Override
        public int write(long address, long length) {
            MEMORY.copyMemory(address, buffer.address(), RequestBuffer.OUT_HEADER_SIZE);
            MEMORY.putInt(buffer.address() + ENT_PAYLOAD_SIZE_AT, (int) (length - RequestBuffer.OUT_HEADER_SIZE));
            commits.offer(this);
            if (Thread.currentThread() != thread) {
                wakeup.wake();
            }
            return 0;
        }
    }

    private final int qid;
    private final int depth;
    private final int maxData;
    private final int registeredPayload;
    private final FuseChannel device;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Entry> commits = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Void> ringMade = new CompletableFuture<>();
    private final CompletableFuture<Server> start = new CompletableFuture<>();
    /** Completes once the REGISTER commands went to the kernel and its immediate refusals (if any) were read. */
    private final CompletableFuture<Void> registration = new CompletableFuture<>();
    private final AtomicLong served = new AtomicLong();
    private final EventFdWakeup wakeup;
    private volatile boolean stopping;
    private volatile int registered;
    private volatile String failure;
    private volatile String pinning = "not pinned";

    // Owned by the queue's thread.
    private IoUringRing ring;
    private RequestBufferPool buffers;
    private Entry[] entries;
    private int inServer;
    private int alive;
    private boolean wakeArmed;

    /**
     * Starts the thread, which makes the ring and the entries' buffers, then waits for
     * {@link #start} (INIT agreed FUSE over io_uring) or {@link #stop}.
     */
    FuseUringQueue(int qid, int depth, int maxData, FuseChannel device) throws HostIoException {
        this(qid, depth, maxData, maxData, device);
    }

    /** @param registeredPayload payload bytes named to the kernel (less than maxData only in tests: a refused REGISTER) */
    FuseUringQueue(int qid, int depth, int maxData, int registeredPayload, FuseChannel device) throws HostIoException {
        this.qid = qid;
        this.depth = depth;
        this.maxData = maxData;
        this.registeredPayload = registeredPayload;
        this.device = device;
        this.wakeup = new EventFdWakeup();
        this.thread = new Thread(this::run, "aiofs-fuse-uring-" + qid);
        thread.setDaemon(true);
        thread.start();
    }

    int qid() {
        return qid;
    }

    /** Completes once the ring and buffers exist, or fails with why they could not be made. */
    CompletableFuture<Void> ringMade() {
        return ringMade;
    }

    /** Registers the entries with the kernel and serves. */
    void start(Server server) {
        start.complete(server);
    }

    /** See {@link #registration}: after {@link #start}, done once the kernel has taken or refused the entries. */
    CompletableFuture<Void> registration() {
        return registration;
    }

    /** Stops: at once if never started; else once every request being served has been answered. */
    void stop() {
        stopping = true;
        start.complete(null);
        wakeup.wake();
    }

    void join() throws InterruptedException {
        thread.join();
    }

    /** Entries the kernel took (REGISTER not refused). */
    int registered() {
        return registered;
    }

    long served() {
        return served.get();
    }

    /** Why the queue does not serve (a refused REGISTER, a failed ring), or null. */
    String failure() {
        return failure;
    }

    String pinning() {
        return pinning;
    }

    // ---- the queue's thread ----

    private void run() {
        try {
            ring = IoUringRing.createWideEntries(2 * depth + 2);
            boolean[] ops = ring.supportedOpcodes();
            if (ops == null || !ops[IoUringRing.OP_URING_CMD] || !ops[IoUringRing.OP_READ]) {
                throw new IOException("the kernel's io_uring has no IORING_OP_URING_CMD (Linux 5.19+)");
            }
            buffers = new RequestBufferPool(maxData, depth);
            entries = new Entry[depth];
            for (int i = 0; i < depth; i++) {
                entries[i] = new Entry(i, buffers.acquire());
            }
            pinning = CpuAffinity.pin(qid);
        } catch (IOException | InterruptedException | RuntimeException | LinkageError e) {
            failure = "queue " + qid + ": " + e.getMessage();
            ringMade.completeExceptionally(e);
            release();
            return;
        }
        ringMade.complete(null);
        try {
            Server server = start.join();
            if (server != null && !stopping) {
                serveUntilStopped(server);
            }
        } catch (HostIoException | RuntimeException e) {
            failure = "queue " + qid + " stopped: " + e.getMessage();
        } finally {
            registration.complete(null);
            release();
        }
    }

    private void serveUntilStopped(Server server) throws HostIoException {
        for (Entry e : entries) {
            pushRegister(e);
        }
        alive = entries.length;
        registered = entries.length;
        try {
            ring.submitAndWait(0); // REGISTER is taken in the call, or refused with a completion
            reap(server);
        } finally {
            registration.complete(null);
        }
        while (true) {
            for (Entry e; (e = commits.poll()) != null; ) {
                inServer--;
                if (e.state == IN_SERVER) {
                    e.state = IN_KERNEL;
                    if (!stopping) {
                        pushCommit(e);
                    } else {
                        e.state = DEAD;
                        alive--;
                    }
                }
            }
            if (inServer == 0 && (stopping || alive == 0)) {
                return;
            }
            if (!wakeArmed && ring.sqSpace() > 0) {
                ring.push(IoUringRing.OP_READ, 0, wakeup.fd(), 0, wakeup.readTarget(), 8, 0, WAKE);
                wakeArmed = true;
            }
            boolean sleep = commits.isEmpty() && !ring.hasCompletion();
            if (sleep) {
                wakeup.maySleep();
                if (!commits.isEmpty() || stopping && inServer == 0) {
                    sleep = false; // stopping with requests still in the image: a reply wakes the thread
                }
            }
            ring.submitAndWait(sleep ? 1 : 0);
            wakeup.awake();
            reap(server);
        }
    }

    private void reap(Server server) {
        while (ring.hasCompletion()) {
            long userData = ring.cqeUserData();
            int result = ring.cqeResult();
            ring.consumeCompletion();
            if (userData == WAKE) {
                wakeArmed = false;
                continue;
            }
            Entry e = entries[(int) userData];
            if (result == 0) {
                e.state = IN_SERVER;
                inServer++;
                served.incrementAndGet();
                serve(e, server);
            } else if (result == -Errno.EAGAIN && e.registerTries > 0 && e.registerTries < REGISTER_RETRIES) {
                // the kernel has not finished INIT yet: register again
                Thread.onSpinWait();
                pushRegister(e);
            } else {
                entryEnded(e, -result);
            }
        }
    }

    /** An entry the kernel gave back with an error: refused at REGISTER, or torn down (unmount, abort). */
    private void entryEnded(Entry e, int errno) {
        boolean atRegister = e.registerTries > 0;
        e.state = DEAD;
        alive--;
        if (atRegister) {
            registered--;
            if (failure == null) {
                failure = "queue " + qid + ": the kernel refused REGISTER: " + Native.describe(errno);
            }
        } else if (errno != Errno.ENOTCONN && errno != Errno.ECONNABORTED && errno != Errno.ECANCELED
                && !stopping) {
            ServerLog.error("FUSE io_uring queue " + qid + ": entry " + e.index
                    + " ended: " + Native.describe(errno));
        }
    }

    /**
     * Puts the request where a read from /dev/fuse would have: its header and first argument
     * just before the payload. The argument's size is what the header's length leaves beside the
     * payload the kernel says it wrote.
     */
    private void serve(Entry e, Server server) {
        e.registerTries = 0;
        long base = e.buffer.address();
        int length = MEMORY.getInt(base);
        int payload = MEMORY.getInt(base + ENT_PAYLOAD_SIZE_AT);
        int argSize = length - FuseRequest.IN_HEADER_SIZE - payload;
        FuseRequest r = null;
        if (argSize >= 0 && argSize <= OP_IN_MAX && payload >= 0 && payload <= maxData) {
            int headerAt = RequestBuffer.DATA_AT - FuseRequest.IN_HEADER_SIZE - argSize;
            MEMORY.copyMemory(base, base + headerAt, FuseRequest.IN_HEADER_SIZE);
            if (argSize > 0) {
                MEMORY.copyMemory(base + OP_IN_AT, base + headerAt + FuseRequest.IN_HEADER_SIZE, argSize);
            }
            r = FuseRequest.decodeAt(e, e.buffer, server.ringEnd(), headerAt, length);
        }
        if (r == null) {
            long unique = MEMORY.getLong(base + ENT_COMMIT_ID_AT);
            ServerLog.error("FUSE io_uring queue " + qid + ": request #" + unique + " of " + length
                    + " bytes with " + payload + " bytes of payload does not add up; answered EIO");
            MEMORY.putInt(base, RequestBuffer.OUT_HEADER_SIZE);
            MEMORY.putInt(base + 4, -Errno.EIO);
            MEMORY.putLong(base + 8, unique);
            MEMORY.putInt(base + ENT_PAYLOAD_SIZE_AT, 0);
            commits.offer(e);
            return;
        }
        server.dispatch(r);
    }

    private void pushRegister(Entry e) {
        e.registerTries++;
        e.state = IN_KERNEL;
        ring.pushCommand(device.fd(), CMD_REGISTER, e.buffer.address() + IOVECS_AT, 2, e.index, 0, 0, qid);
    }

    /** The commit id is the request's unique, which the kernel put in fuse_uring_ent_in_out. */
    private void pushCommit(Entry e) {
        long commitId = MEMORY.getLong(e.buffer.address() + ENT_COMMIT_ID_AT);
        ring.pushCommand(device.fd(), CMD_COMMIT_AND_FETCH, 0, 0, e.index, 0, commitId, qid);
    }

    /**
     * Closing the ring cancels the commands still in the kernel; then the buffers can go, unless
     * a request is still in the image (the ring failed): its engine may still write to them.
     */
    private void release() {
        if (ring != null) {
            ring.close();
        }
        wakeup.close();
        if (buffers != null) {
            if (inServer == 0) {
                buffers.close();
            } else {
                ServerLog.error("FUSE io_uring queue " + qid + ": " + inServer
                        + " request buffer(s) left mapped: their requests are still in the image");
            }
        }
    }
}
