package org.aiofs.image.qcow2;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.aiofs.aio.ForwardingEngine;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.nativeio.Errno;

/**
 * Passes requests on to a real engine, except that once armed it injects one kind of fault
 * into the requests a rule picks: from the Nth of them on (a disk that fills or dies), or
 * only into the Nth. The faults a host disk gives: EIO, ENOSPC, a write torn halfway (half
 * written, then ENOSPC), a read cut short (fewer bytes, as at the end of the file), and a
 * slow completion (on another thread, later).
 */
final class FaultyEngine extends ForwardingEngine {
    enum Fault {
        EIO, ENOSPC, TORN_WRITE, SHORT_READ, SLOW
    }

    private static final Executor LATER = CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS);

    private final AtomicInteger seen = new AtomicInteger();
    private volatile Predicate<IoRequest> rule = r -> false;
    private volatile Fault fault = Fault.EIO;
    private volatile int nth;
    private volatile boolean onward;
    private final AtomicInteger injected = new AtomicInteger();

    FaultyEngine(IoEngine inner) {
        super(inner);
    }

    /** Every read of one file fails with EIO (a damaged backing file). */
    static Predicate<IoRequest> readsOf(Path file) {
        Path wanted = file.toAbsolutePath();
        return r -> r instanceof IoRequest.Read read && read.file().path().toAbsolutePath().equals(wanted);
    }

    /**
     * From now on, the {@code nth} request (0-based) that {@code which} picks gets {@code fault},
     * and with {@code onward} every later one it picks too.
     */
    void arm(Predicate<IoRequest> which, Fault fault, int nth, boolean onward) {
        this.fault = fault;
        this.nth = nth;
        this.onward = onward;
        seen.set(0);
        injected.set(0);
        this.rule = which;
    }

    void disarm() {
        rule = r -> false;
    }

    /** How many requests got the fault: zero means the rule never struck (the test proved nothing). */
    int injected() {
        return injected.get();
    }

    @Override
    public String name() {
        return "faulty";
    }

    @Override
    public CompletableFuture<Long> submit(IoRequest request) {
        if (!rule.test(request)) {
            return inner.submit(request);
        }
        int index = seen.getAndIncrement();
        if (index < nth || (index > nth && !onward)) {
            return inner.submit(request);
        }
        injected.incrementAndGet();
        return switch (fault) {
            case EIO -> failed(request, Errno.EIO);
            case ENOSPC -> failed(request, Errno.ENOSPC);
            case TORN_WRITE -> request instanceof IoRequest.Write w ? torn(w) : failed(request, Errno.EIO);
            case SHORT_READ -> request instanceof IoRequest.Read r ? shortRead(r) : inner.submit(request);
            case SLOW -> CompletableFuture.supplyAsync(() -> null, LATER)
                    .thenCompose(x -> inner.submit(request));
        };
    }

    private static CompletableFuture<Long> failed(IoRequest request, int errno) {
        return CompletableFuture.failedFuture(new HostIoException("injected fault in " + request.getClass()
                .getSimpleName(), Path.of("faulty-engine"), -1, errno));
    }

    /** The first half reaches the file, then the disk is full. */
    private CompletableFuture<Long> torn(IoRequest.Write w) {
        long half = w.length() / 2;
        ByteBuffer first = ByteBuffer.allocateDirect((int) half);
        for (ByteBuffer b : w.buffers()) {
            ByteBuffer d = b.duplicate();
            d.limit(d.position() + (int) Math.min(d.remaining(), first.remaining()));
            first.put(d);
        }
        first.flip();
        return inner.submit(new IoRequest.Write(w.file(), w.position(), first))
                .thenCompose(n -> failed(w, Errno.ENOSPC));
    }

    /** Only the first half is read, as if the file ended there. */
    private CompletableFuture<Long> shortRead(IoRequest.Read r) {
        long half = r.length() / 2;
        ByteBuffer into = ByteBuffer.allocateDirect((int) half);
        return inner.submit(new IoRequest.Read(r.file(), r.position(), into)).thenApply(n -> {
            ByteBuffer got = into.flip();
            for (ByteBuffer b : r.buffers()) {
                ByteBuffer d = b.duplicate();
                while (d.hasRemaining() && got.hasRemaining()) {
                    d.put(got.get());
                }
            }
            return n;
        });
    }
}
