package org.aiofs.fs.kernel;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

import org.aiofs.aio.nativeio.Errno;
import org.aiofs.aio.nativeio.Native;
import org.aiofs.fs.ImageFileSystem;
import org.aiofs.fs.log.ServerLog;

/**
 * Serves one mounted connection: answers INIT, then runs the reader threads, each on its own
 * descriptor (a clone of the mount's, when the device can be opened again), until the
 * kernel says the mount is gone (ENODEV); then waits for the requests still in flight.
 * A reader reads a request, hands it to the dispatcher and reads the next one: requests in
 * the image wait in the engine, not in a thread. When every reader is busy, one about to
 * serve a bulk request (a write) first takes in what else the kernel has queued, through a
 * non-blocking clone of its descriptor, so that a prompt request (a read) among them is
 * served first ({@link WaitingRequests}).
 */
public final class KernelSession implements FuseRequest.RequestEnd, FuseUringQueue.Server {
    /** Async requests the kernel may keep in flight (reads, async direct I/O): QD32 and more. */
    static final int MAX_BACKGROUND = 64;
    /** At most this many requests are taken in ahead of their turn at once. */
    private static final int MAX_TAKEN_AHEAD = 32;

    private final ImageFileSystem fs;
    private final FuseChannel mountChannel;
    private final String device;
    private final int readers;
    private final CountDownLatch initialized = new CountDownLatch(1);
    private final AtomicLong inFlight = new AtomicLong();
    private final WaitingRequests waiting = new WaitingRequests();
    /** Readers blocked in read(2): while one is, a prompt request reaches a reader at once. */
    private final AtomicInteger idleReaders = new AtomicInteger();
    private final AtomicLong rejectedReplies = new AtomicLong();
    private final Object idle = new Object();
    private final List<FuseChannel> clones = new ArrayList<>();
    private final UnaryOperator<RequestHandler> handlerWrapper;
    private final PassthroughCandidate passthroughCandidate;
    /** Makes the io_uring queues for payloads of the given size, or says why there are none. */
    private final IntFunction<FuseUring> uringMaker;
    private volatile FuseUring uring = FuseUring.off("not settled yet (no INIT)");
    private final FuseRequest.RequestEnd ringEnd = new FuseRequest.RequestEnd() {
        @Override
        public void refused(FuseRequest request, int writeErrno, int replyLength, boolean fallingBack) {
            KernelSession.this.refused(request, writeErrno, replyLength, fallingBack);
        }

        @Override
        public void replied(FuseRequest request) {
            finished(); // the buffer is the ring entry's: it goes back to the kernel with the commit
        }
    };
    private volatile Passthrough passthrough = Passthrough.off("not settled yet (no INIT)");
    private volatile Connection connection;
    private volatile RequestDispatcher dispatcher;
    private volatile RequestHandler handler;
    private volatile RequestBufferPool buffers;
    private volatile String cloneProblem;

    /**
     * @param mountChannel the descriptor the mount was made with
     * @param device       the FUSE device, opened again for each clone
     * @param readers      reader threads (1: one thread serves everything, as libfuse -s)
     */
    public KernelSession(ImageFileSystem fs, FuseChannel mountChannel, String device, int readers) {
        this(fs, mountChannel, device, readers, PassthroughCandidate.refused("not asked for"));
    }

    /** @param passthrough the file the kernel may serve itself, or why none */
    public KernelSession(ImageFileSystem fs, FuseChannel mountChannel, String device, int readers,
                         PassthroughCandidate passthrough) {
        this(fs, mountChannel, device, readers, UnaryOperator.identity(), passthrough, false);
    }

    /**
     * @param fuseUring serve from FUSE io_uring queues when the kernel offers them ({@code --fuse-uring auto});
     *                  false: the /dev/fuse readers only
     */
    public KernelSession(ImageFileSystem fs, FuseChannel mountChannel, String device, int readers,
                         PassthroughCandidate passthrough, boolean fuseUring) {
        this(fs, mountChannel, device, readers, UnaryOperator.identity(), passthrough, fuseUring);
    }

    /** @param handlerWrapper wraps the dispatcher (tests inject faults into replies with it) */
    KernelSession(ImageFileSystem fs, FuseChannel mountChannel, String device, int readers,
                  UnaryOperator<RequestHandler> handlerWrapper) {
        this(fs, mountChannel, device, readers, handlerWrapper, PassthroughCandidate.refused("not asked for"), false);
    }

    /** @param uringMaker makes the io_uring queues for a payload size (tests make ones the kernel refuses) */
    static KernelSession withUring(ImageFileSystem fs, FuseChannel mountChannel, String device, int readers,
                                   IntFunction<FuseUring> uringMaker) {
        return new KernelSession(fs, mountChannel, device, readers, UnaryOperator.identity(),
                PassthroughCandidate.refused("test"), uringMaker);
    }

    private KernelSession(ImageFileSystem fs, FuseChannel mountChannel, String device, int readers,
                          UnaryOperator<RequestHandler> handlerWrapper, PassthroughCandidate passthrough,
                          boolean fuseUring) {
        this(fs, mountChannel, device, readers, handlerWrapper, passthrough,
                fuseUring ? maxData -> FuseUring.prepare(maxData, mountChannel) : maxData -> FuseUring.off("--fuse-uring off"));
    }

    private KernelSession(ImageFileSystem fs, FuseChannel mountChannel, String device, int readers,
                          UnaryOperator<RequestHandler> handlerWrapper, PassthroughCandidate passthrough,
                          IntFunction<FuseUring> uringMaker) {
        this.uringMaker = uringMaker;
        this.passthroughCandidate = passthrough;
        this.fs = fs;
        this.mountChannel = mountChannel;
        this.device = device;
        this.readers = readers;
        this.handlerWrapper = handlerWrapper;
    }

    /** How many reader threads by default: enough to keep two CPUs' worth of requests moving. */
    public static int defaultReaders() {
        return Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    }

    /** Counted down once INIT has been answered: the mount serves from then on. */
    public CountDownLatch initialized() {
        return initialized;
    }

    /** Serves until the mount is gone, then waits until every request in flight has completed. */
    public void serve() throws IOException {
        int maxPages = InitNegotiation.maxPages();
        buffers = new RequestBufferPool(maxPages * 4096, MAX_BACKGROUND + 4 * readers + 16);
        uring = uringMaker.apply(maxPages * 4096);
        try {
            if (!init(maxPages)) {
                uring.refused("the mount went away before INIT");
                return;
            }
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < readers; i++) {
                FuseChannel own = i == 0 ? null : cloneOrNull(i, false); // reader 0 reads the mount's own
                FuseChannel channel = own == null ? mountChannel : own;
                FuseChannel lookAhead = cloneOrNull(i, true);
                Thread t = new Thread(() -> readLoop(channel, lookAhead), "aiofs-fuse-" + i);
                t.setDaemon(true);
                threads.add(t);
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            uring.stop(); // the connection is gone: its queues end once their requests are answered
            awaitIdle();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while serving the mount", e);
        } finally {
            uring.stop();
            clones.forEach(FuseChannel::close);
            if (inFlight.get() == 0) {
                buffers.close();
            }
        }
    }

    /** Reads requests until INIT and answers it; false if the mount went away first. */
    private boolean init(int maxPages) throws IOException, InterruptedException {
        while (true) {
            FuseRequest r = readOne(mountChannel);
            if (r == null) {
                return false;
            }
            if (r.opcode() != FuseOpcode.INIT) {
                ServerLog.error("FUSE: expected INIT, got " + r + "; answered EIO");
                r.replyError(Errno.EIO);
                continue;
            }
            String notOffered = Passthrough.whyNotOffered(passthroughCandidate);
            Connection c = InitNegotiation.answer(r, maxPages, MAX_BACKGROUND, notOffered == null, uring.refusal());
            if (c == null) {
                continue; // a newer major: the kernel sends INIT again
            }
            connection = c;
            passthrough = notOffered == null ? Passthrough.open(mountChannel, passthroughCandidate, c)
                    : Passthrough.off(notOffered);
            ServerLog.info(passthrough.active()
                    ? "FUSE passthrough: the kernel serves " + passthrough.name() + " from the image file itself"
                    + " (its I/O is not in the counters)"
                    : "FUSE passthrough off: " + passthrough.refusal());
            dispatcher = new RequestDispatcher(fs, c, passthrough);
            handler = handlerWrapper.apply(dispatcher);
            ServerLog.info("FUSE " + c.kernelMajor() + "." + c.kernelMinor() + " kernel, speaking 7." + c.minor()
                    + ": requests up to " + c.maxWrite() / 1024 + " KiB, " + c.maxBackground()
                    + " in flight; features " + String.join(" ", c.granted())
                    + (c.refused().isEmpty() ? "" : "; not offered by the kernel: " + String.join(", ", c.refused())));
            if (c.overIoUring()) {
                uring.start(this);
            } else {
                String why = uring.refusal() != null ? uring.refusal()
                        : "the kernel did not offer it at INIT (" + FuseUring.ENABLE_URING + " was N then)";
                uring.refused(why);
                ServerLog.info("FUSE over io_uring off: " + why + "; requests come over /dev/fuse");
            }
            initialized.countDown();
            return true;
        }
    }

    /**
     * A clone of the mount's descriptor (closed with the session), or null once cloning has
     * failed: then the readers share the mount's descriptor and serve in the kernel's order.
     */
    private FuseChannel cloneOrNull(int index, boolean nonBlocking) {
        if (cloneProblem != null) {
            return null;
        }
        try {
            FuseChannel clone = mountChannel.cloneChannel(device, index, nonBlocking);
            clones.add(clone);
            return clone;
        } catch (IOException e) {
            cloneProblem = e.getMessage();
            ServerLog.info("FUSE: readers share one descriptor and serve requests in the kernel's order: "
                    + e.getMessage());
            return null;
        }
    }

    /** @param lookAhead where requests queued behind a bulk one are taken in from, or null */
    private void readLoop(FuseChannel channel, FuseChannel lookAhead) {
        try {
            while (true) {
                FuseRequest r = waiting.next(System.nanoTime());
                if (r == null) {
                    r = readOne(channel);
                    if (r == null) {
                        break; // the mount is gone
                    }
                    if (lookAhead != null && WaitingRequests.isBulk(r) && idleReaders.get() == 0) {
                        r = promptFirst(r, lookAhead);
                    }
                }
                handler.dispatch(r);
            }
            for (FuseRequest left = waiting.next(System.nanoTime()); left != null; left = waiting.next(System.nanoTime())) {
                handler.dispatch(left); // answered into the void, so that the session can end
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            ServerLog.error("FUSE: reader on " + channel + " stopped: " + e);
        }
    }

    /** Reads and decodes one request (waiting for it, counted idle meanwhile), or null once the mount is gone. */
    private FuseRequest readOne(FuseChannel channel) throws IOException, InterruptedException {
        idleReaders.incrementAndGet();
        try {
            while (true) {
                RequestBuffer b = buffers.acquire();
                long n = readRequest(channel, b);
                if (n < 0) {
                    buffers.release(b);
                    return null;
                }
                FuseRequest r = decode(channel, b, n);
                if (r != null) {
                    return r;
                }
            }
        } finally {
            idleReaders.decrementAndGet();
        }
    }

    /** The request to serve instead of bulk request {@code r}: a prompt one queued behind it, if any. */
    private FuseRequest promptFirst(FuseRequest r, FuseChannel lookAhead) throws IOException {
        long now = System.nanoTime();
        waiting.add(r, now);
        takeAhead(lookAhead, now);
        return waiting.next(now);
    }

    /** Takes in the requests queued in the kernel now (as many as there are buffers for, up to a bound). */
    private void takeAhead(FuseChannel from, long now) throws IOException {
        for (int i = 0; i < MAX_TAKEN_AHEAD; i++) {
            RequestBuffer b = buffers.tryAcquire();
            if (b == null) {
                return;
            }
            long n = from.read(b.readAddress(), b.readCapacity());
            if (n < 0) {
                buffers.release(b); // EAGAIN: nothing more queued; ENODEV: the blocking read says so
                return;
            }
            FuseRequest r = decode(from, b, n);
            if (r != null) {
                waiting.add(r, now);
            }
        }
    }

    /** A request read into {@code b}, counted in flight; null (logged, the buffer back) for a bad header. */
    private FuseRequest decode(FuseChannel channel, RequestBuffer b, long n) {
        FuseRequest r = FuseRequest.decode(channel, b, this, (int) n);
        if (r == null) {
            ServerLog.error("FUSE: a request of " + n + " bytes with a bad header on " + channel + "; dropped");
            buffers.release(b);
            return null;
        }
        inFlight.incrementAndGet();
        return r;
    }

    /**
     * One request's length, or -1 once the mount is gone (ENODEV). Interrupted reads and
     * requests withdrawn before they were read (ENOENT) are simply read again.
     */
    private long readRequest(FuseChannel channel, RequestBuffer b) throws IOException {
        while (true) {
            long n = channel.read(b.readAddress(), b.readCapacity());
            if (n >= 0) {
                return n;
            }
            int errno = (int) -n;
            if (errno == Errno.EINTR || errno == Errno.EAGAIN || errno == Errno.ENOENT) {
                continue;
            }
            if (errno == Errno.ENODEV) {
                return -1;
            }
            throw new IOException("reading " + channel + " failed: " + Native.describe(errno));
        }
    }

    /** A reply the kernel refused: counted and logged (ENODEV: the mount is gone, nothing to say). */
    @Override
    public void refused(FuseRequest request, int writeErrno, int replyLength, boolean fallingBack) {
        if (writeErrno != Errno.ENODEV) {
            rejectedReplies.incrementAndGet();
            // ENOENT: the request was aborted or interrupted and answered meanwhile
            ServerLog.error("FUSE: the kernel refused the " + replyLength + "-byte reply to " + request + ": "
                    + Native.describe(writeErrno) + (fallingBack ? "; answering EIO instead" : ""));
        }
    }

    /** A request was answered (or needs none): recycle the buffer. */
    @Override
    public void replied(FuseRequest request) {
        buffers.release(request.buffer());
        finished();
    }

    /** A request fetched from an io_uring queue: served as one read from /dev/fuse. */
    @Override
    public void dispatch(FuseRequest request) {
        inFlight.incrementAndGet();
        handler.dispatch(request);
    }

    @Override
    public FuseRequest.RequestEnd ringEnd() {
        return ringEnd;
    }

    private void finished() {
        if (inFlight.decrementAndGet() == 0) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }

    private void awaitIdle() throws InterruptedException {
        synchronized (idle) {
            long waited = 0;
            while (inFlight.get() > 0) {
                idle.wait(1000);
                if (++waited % 10 == 0) {
                    ServerLog.info("waiting for " + inFlight.get() + " request(s) still in the image");
                }
            }
        }
    }

    /** For info.json: the protocol and features agreed, the readers and descriptors. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "kernel");
        Connection c = connection;
        if (c != null) {
            m.putAll(c.describe());
        }
        m.put("passthrough", passthrough.describe());
        m.put("fuse_over_io_uring", uring.describe());
        m.put("readers", readers);
        m.put("cloned_descriptors", clones.size());
        if (cloneProblem != null) {
            m.put("clone_problem", cloneProblem);
        }
        RequestBufferPool pool = buffers;
        m.put("request_buffers", pool == null ? 0 : pool.allocated());
        m.put("requests_in_flight", Math.max(0, inFlight.get()));
        m.put("rejected_replies", rejectedReplies.get());
        m.put("prompt_requests_served_ahead", waiting.servedAhead());
        RequestDispatcher d = dispatcher;
        m.put("nodes_held_by_kernel", d == null ? 0 : d.nodes().size());
        m.put("interrupts", d == null ? 0 : d.interrupts());
        m.put("unserved_opcodes", d == null ? List.of() : d.unservedOpcodes());
        return m;
    }
}
