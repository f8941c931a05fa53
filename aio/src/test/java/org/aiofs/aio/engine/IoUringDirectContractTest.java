package org.aiofs.aio.engine;

import java.io.IOException;

import org.aiofs.aio.IoEngine;

class IoUringDirectContractTest extends EngineContractTest {
    @Override
    protected IoEngine newEngine() throws IOException {
        return new IoUringEngine();
    }

    @Override
    protected boolean direct() {
        return true;
    }
}
