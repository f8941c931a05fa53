package org.aiofs.aio.engine;

import java.io.IOException;

import org.aiofs.aio.IoEngine;

class IoUringBufferedContractTest extends EngineContractTest {
    @Override
    protected IoEngine newEngine() throws IOException {
        return new IoUringEngine();
    }

    @Override
    protected boolean direct() {
        return false;
    }
}
