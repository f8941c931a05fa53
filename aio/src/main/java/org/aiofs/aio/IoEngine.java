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
     * Submits requests with no barrier among them, which may run in any order and concurrently.
     * Engines that hand a whole run to the kernel at once (one io_submit, one io_uring_enter)
     * override this; the default submits them one by one.
     */
    default List<CompletableFuture<Long>> submitRun(List<? extends IoRequest> run) {
        List<CompletableFuture<Long>> results = new ArrayList<>(run.size());
        for (IoRequest request : run) {
            results.add(submit(request));
        }
        return results;
    }

    /**
     * Submits a batch. The requests between two {@link IoRequest.Barrier}s form a run, submitted
     * with {@link #submitRun}; a barrier completes once everything before it has, and the run
     * after it is submitted only then. If a request before a barrier fails, the barrier and
     * everything after it fail without running. The returned futures match the requests one for one.
     */
    default List<CompletableFuture<Long>> submitBatch(List<? extends IoRequest> batch) {
        if (batch.stream().noneMatch(r -> r instanceof IoRequest.Barrier)) {
            return submitRun(batch); // one run, nothing to gate: the common case (a qcow2 read)
        }
        List<CompletableFuture<Long>> results = new ArrayList<>(batch.size());
        List<IoRequest> run = new ArrayList<>();
        CompletableFuture<?> gate = CompletableFuture.completedFuture(null);
        for (int i = 0; i <= batch.size(); i++) {
            IoRequest request = i < batch.size() ? batch.get(i) : null;
            if (request != null && !(request instanceof IoRequest.Barrier)) {
                run.add(request);
                continue;
            }
            List<CompletableFuture<Long>> runResults = gatedRun(gate, List.copyOf(run));
            run.clear();
            results.addAll(runResults);
            if (request != null) {
                CompletableFuture<Long> barrier = CompletableFuture
                        .allOf(runResults.toArray(CompletableFuture[]::new))
                        .thenCombine(gate, (a, b) -> 0L);
                results.add(barrier);
                gate = barrier;
            }
        }
        return results;
    }

    /** The run submitted now if the gate has opened, else once it does (never if it fails). */
    private List<CompletableFuture<Long>> gatedRun(CompletableFuture<?> gate, List<IoRequest> run) {
        if (run.isEmpty()) {
            return List.of();
        }
        if (gate.isDone() && !gate.isCompletedExceptionally()) {
            return submitRun(run);
        }
        CompletableFuture<List<CompletableFuture<Long>>> later = gate.thenApply(x -> submitRun(run));
        List<CompletableFuture<Long>> results = new ArrayList<>(run.size());
        for (int k = 0; k < run.size(); k++) {
            int index = k;
            results.add(later.thenCompose(list -> list.get(index)));
        }
        return results;
    }

    /** Waits for requests in flight, then releases the engine's threads and kernel resources. */
    @Override
    void close();
}
