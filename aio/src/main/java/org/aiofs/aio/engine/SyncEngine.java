package org.aiofs.aio.engine;

import java.util.concurrent.CompletableFuture;

import org.aiofs.aio.BlockingIo;
import org.aiofs.aio.EngineCapabilities;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;

/**
 * The baseline: each request runs on the caller's thread before submit returns.
 * Concurrency comes only from the callers (FUSE's own threads).
 */
public final class SyncEngine implements IoEngine {
    public static final String NAME = "sync";

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
        try {
            return CompletableFuture.completedFuture(BlockingIo.execute(request));
        } catch (HostIoException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void close() {
    }
}
