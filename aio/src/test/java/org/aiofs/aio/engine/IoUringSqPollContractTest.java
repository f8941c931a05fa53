package org.aiofs.aio.engine;

import java.io.IOException;

import org.aiofs.aio.IoEngine;

class IoUringSqPollContractTest extends EngineContractTest {
    @Override
    protected IoEngine newEngine() throws IOException {
        return new IoUringEngine(new IoUringEngine.Options(64, true, 0));
    }

    @Override
    protected boolean direct() {
        return true;
    }
}
