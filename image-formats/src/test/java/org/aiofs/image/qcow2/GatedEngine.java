package org.aiofs.image.qcow2;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import org.aiofs.aio.ForwardingEngine;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;

/**
 * Passes requests on, except writes whose data starts with {@link #MARK}: those are held
 * (not submitted) until {@link #open()}, so a test can keep one write in flight as long as
 * it likes, without sleeping.
 */
final class GatedEngine extends ForwardingEngine {
    static final long MARK = 0x6761_7465_645f_5752L;

    private final CompletableFuture<Void> gate = new CompletableFuture<>();
    private final CountDownLatch held = new CountDownLatch(1);

    GatedEngine(IoEngine inner) {
        super(inner);
    }

    /** A buffer of {@code size} bytes that this engine holds back, filled with {@code fill} after the mark. */
    static ByteBuffer marked(int size, byte fill) {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            b.put(i, fill);
        }
        return b.putLong(0, MARK);
    }

    /** Waits until a marked write has reached this engine (and is held). */
    void awaitHeld() throws InterruptedException {
        held.await();
    }

    void open() {
        gate.complete(null);
    }

    @Override
    public String name() {
        return "gated";
    }

    @Override
    public CompletableFuture<Long> submit(IoRequest request) {
        if (request instanceof IoRequest.Write w && w.buffers()[0].remaining() >= 8
                && w.buffers()[0].getLong(w.buffers()[0].position()) == MARK) {
            held.countDown();
            return gate.thenCompose(x -> inner.submit(request));
        }
        return inner.submit(request);
    }
}
