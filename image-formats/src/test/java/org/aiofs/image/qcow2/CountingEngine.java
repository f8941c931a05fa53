package org.aiofs.image.qcow2;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.aiofs.aio.ForwardingEngine;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;

/** Passes requests on to a real engine and counts how they arrive. */
final class CountingEngine extends ForwardingEngine {
    final AtomicInteger singles = new AtomicInteger();
    final AtomicInteger batches = new AtomicInteger();
    final AtomicInteger batchedRequests = new AtomicInteger();
    private final ThreadLocal<Boolean> inBatch = ThreadLocal.withInitial(() -> false);

    CountingEngine(IoEngine inner) {
        super(inner);
    }

    void reset() {
        singles.set(0);
        batches.set(0);
        batchedRequests.set(0);
    }

    @Override
    public String name() {
        return "counting";
    }

    @Override
    public CompletableFuture<Long> submit(IoRequest request) {
        if (!inBatch.get()) {
            singles.incrementAndGet();
        }
        return inner.submit(request);
    }

    @Override
    public List<CompletableFuture<Long>> submitBatch(List<? extends IoRequest> batch) {
        batches.incrementAndGet();
        batchedRequests.addAndGet(batch.size());
        inBatch.set(true);
        try {
            return inner.submitBatch(batch);
        } finally {
            inBatch.set(false);
        }
    }
}
