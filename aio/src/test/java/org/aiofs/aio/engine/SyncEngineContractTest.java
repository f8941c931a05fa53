package org.aiofs.aio.engine;

import java.io.IOException;

import org.aiofs.aio.IoEngine;

class SyncEngineContractTest extends EngineContractTest {
    @Override
    protected IoEngine newEngine() throws IOException {
        return new SyncEngine();
    }

    @Override
    protected boolean direct() {
        return false;
    }
}
