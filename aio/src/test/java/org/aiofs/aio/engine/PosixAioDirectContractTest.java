package org.aiofs.aio.engine;

import java.io.IOException;

import org.aiofs.aio.IoEngine;

class PosixAioDirectContractTest extends EngineContractTest {
    @Override
    protected IoEngine newEngine() throws IOException {
        return new PosixAioEngine();
    }

    @Override
    protected boolean direct() {
        return true;
    }
}
