package org.aiofs.aio.engine;

import java.io.IOException;

import org.aiofs.aio.IoEngine;

/** The contract on a kernel older than 6.1 (played): no SINGLE_ISSUER/DEFER_TASKRUN, so cooperative task work only. */
class IoUringWithoutDeferredTaskWorkContractTest extends EngineContractTest {
    @Override
    protected IoEngine newEngine() throws IOException {
        return new IoUringEngine(IoUringEngine.Options.DEFAULT,
                IoUringSetup.refusing(IoUringSetup.SINGLE_ISSUER | IoUringSetup.DEFER_TASKRUN));
    }

    @Override
    protected boolean direct() {
        return true;
    }
}
