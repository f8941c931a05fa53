package org.aiofs.aio;

import java.util.concurrent.CompletableFuture;

/**
 * An engine in front of another: everything goes to it unless a subclass intercepts.
 * Batches and runs reach {@link #submit} one by one (IoEngine's defaults), so overriding
 * {@code submit} sees every request.
 */
public abstract class ForwardingEngine implements IoEngine {
    protected final IoEngine inner;

    protected ForwardingEngine(IoEngine inner) {
        this.inner = inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public EngineCapabilities capabilities() {
        return inner.capabilities();
    }

    @Override
    public CompletableFuture<Long> submit(IoRequest request) {
        return inner.submit(request);
    }

    @Override
    public void close() {
        inner.close();
    }
}
