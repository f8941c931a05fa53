package org.aiofs.image.qcow2;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import org.aiofs.aio.HostIoException;
import org.aiofs.aio.ForwardingEngine;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.nativeio.Errno;

/** Passes requests on, except that while armed every read of one file fails with EIO. */
final class FailingReadEngine extends ForwardingEngine {
    private final Path failing;
    volatile boolean armed;

    FailingReadEngine(IoEngine inner, Path failing) {
        super(inner);
        this.failing = failing.toAbsolutePath();
    }

    @Override
    public String name() {
        return "failing-read";
    }

    @Override
    public CompletableFuture<Long> submit(IoRequest request) {
        if (armed && request instanceof IoRequest.Read r && r.file().path().toAbsolutePath().equals(failing)) {
            return CompletableFuture.failedFuture(new HostIoException("pread", failing, r.position(), Errno.EIO));
        }
        return inner.submit(request);
    }
}
