package org.aiofs.aio.engine;

import java.io.IOException;

import org.aiofs.aio.IoEngine;

class ThreadPoolEngineContractTest extends EngineContractTest {
    @Override
    protected IoEngine newEngine() throws IOException {
        return new ThreadPoolEngine(4);
    }

    @Override
    protected boolean direct() {
        return false;
    }
}
