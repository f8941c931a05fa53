package org.aiofs.aio.engine;

import java.io.IOException;

import org.aiofs.aio.IoEngine;

/** The contract on a kernel older than 5.19 (played): none of the optional setup flags. */
class IoUringWithoutOptionalFlagsContractTest extends EngineContractTest {
    @Override
    protected IoEngine newEngine() throws IOException {
        return new IoUringEngine(IoUringEngine.Options.DEFAULT, IoUringSetup.refusing(
                IoUringSetup.SINGLE_ISSUER | IoUringSetup.DEFER_TASKRUN | IoUringSetup.COOP_TASKRUN));
    }

    @Override
    protected boolean direct() {
        return true;
    }
}
