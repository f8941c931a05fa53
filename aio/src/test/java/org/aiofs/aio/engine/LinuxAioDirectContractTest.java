package org.aiofs.aio.engine;

import java.io.IOException;

import org.aiofs.aio.IoEngine;

class LinuxAioDirectContractTest extends EngineContractTest {
    @Override
    protected IoEngine newEngine() throws IOException {
        return new LinuxAioEngine();
    }

    @Override
    protected boolean direct() {
        return true;
    }
}
