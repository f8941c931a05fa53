package org.aiofs.aio.engine;

import java.io.IOException;

import org.aiofs.aio.IoEngine;

class WorkerEngineContractTest extends EngineContractTest {
    @Override
    protected IoEngine newEngine() throws IOException {
        return new WorkerEngine();
    }

    @Override
    protected boolean direct() {
        return false;
    }
}
