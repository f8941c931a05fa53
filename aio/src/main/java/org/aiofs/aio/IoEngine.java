package org.aiofs.aio;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An I/O engine: runs requests on host files and completes them asynchronously.
 * Each future completes with the number of bytes transferred (0 for flush, barrier,
 * zero range and punch hole) or exceptionally with a {@link HostIoException}.
 */
public interface IoEngine extends AutoCloseable {

    /** The name users pass to {@code --engine}. */
    String name();

    EngineCapabilities capabilities();

    CompletableFuture<Long> submit(IoRequest request);

    /**
     * Submits a batch. Requests between two {@link IoRequest.Barrier}s may run in any order
     * and concurrently; a barrier waits for everything before it. The returned futures match
     * the requests one for one.
     */
    default List<CompletableFuture<Long>> submitBatch(List<? extends IoRequest> batch) {
        List<CompletableFuture<Long>> results = new ArrayList<>(batch.size());
        List<CompletableFuture<Long>> sinceBarrier = new ArrayList<>();
        CompletableFuture<?> gate = CompletableFuture.completedFuture(null);
        for (IoRequest request : batch) {
            if (request instanceof IoRequest.Barrier) {
                CompletableFuture<Long> barrier = CompletableFuture
                        .allOf(sinceBarrier.toArray(CompletableFuture[]::new))
                        .thenCombine(gate, (a, b) -> 0L);
                results.add(barrier);
                gate = barrier;
                sinceBarrier.clear();
            } else {
                CompletableFuture<Long> future = gate.isDone() && !gate.isCompletedExceptionally()
                        ? submit(request)
                        : gate.thenCompose(ignored -> submit(request));
                results.add(future);
                sinceBarrier.add(future);
            }
        }
        return results;
    }

    /** Waits for requests in flight, then releases the engine's threads and kernel resources. */
    @Override
    void close();
}
