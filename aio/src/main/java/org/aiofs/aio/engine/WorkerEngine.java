package org.aiofs.aio.engine;

import java.util.concurrent.CompletableFuture;

import org.aiofs.aio.EngineCapabilities;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;

/**
 * One background thread running every request in submission order: the classic
 * "I/O thread" of early emulators. Asynchronous for the caller, serial for the disk.
 */
public final class WorkerEngine implements IoEngine {
    public static final String NAME = "worker";

    private final ThreadPoolEngine thread = new ThreadPoolEngine(1);

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
        return thread.submit(request);
    }

    @Override
    public void close() {
        thread.close();
    }
}
