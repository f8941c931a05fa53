package org.aiofs.aio.engine;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.aiofs.aio.BlockingIo;
import org.aiofs.aio.EngineCapabilities;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;

/**
 * A fixed pool of threads, each running preadv/pwritev/fsync/fallocate through libc.
 * Threads are created once and kept (no per-request thread churn), and are never
 * interrupted: native calls do not close the file on interrupt as FileChannel does.
 */
public final class ThreadPoolEngine implements IoEngine {
    public static final String NAME = "threadpool";

    private final ExecutorService pool;
    private final int threads;

    public ThreadPoolEngine(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a thread pool needs at least one thread, not " + threads);
        }
        this.threads = threads;
        AtomicInteger counter = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                runnable -> {
                    Thread t = new Thread(runnable, "aiofs-io-" + counter.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        ((ThreadPoolExecutor) pool).prestartAllCoreThreads();
    }

    @Override
    public String name() {
        return NAME;
    }

    public int threads() {
        return threads;
    }

    @Override
    public EngineCapabilities capabilities() {
        return Engines.entry(NAME).capabilities();
    }

    @Override
    public CompletableFuture<Long> submit(IoRequest request) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                try {
                    result.complete(BlockingIo.execute(request));
                } catch (HostIoException | RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("engine " + NAME + " is closed", e));
        }
        return result;
    }

    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("I/O requests still running after 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
