package org.aiofs.fs.mount;

import org.aiofs.aio.engine.CacheMode;
import org.aiofs.aio.engine.EngineChoice;
import org.aiofs.aio.engine.EnginePolicy;
import org.aiofs.aio.engine.Engines;
import org.aiofs.aio.engine.SyncEngine;

/**
 * The engine and cache mode a mount uses: {@link EnginePolicy} asked with what the mount
 * brings: requests from threads that each wait for their own request (libfuse 2's workers,
 * the kernel transport's readers), or, when FUSE over io_uring will serve, from one thread per
 * CPU queue. O_DIRECT suits every format: requests are padded below the drivers.
 */
final class MountEngineChoice {
    /** Who submits behind the /dev/fuse readers and libfuse 2: the policy's auto rule for buffered files reads it. */
    static final EnginePolicy.Submitters SUBMITTERS = EnginePolicy.Submitters.BLOCKING_THREADS;

    private MountEngineChoice() {
    }

    static EngineChoice choose(MountOptions options) throws MountException {
        if (options.image().isRemote()) {
            return remote(options);
        }
        try {
            return EnginePolicy.choose(new EnginePolicy.Request(options.engine(), options.cache(),
                    options.image().path(), submitters(options), null));
        } catch (IllegalArgumentException e) {
            throw new MountException(e.getMessage(), e);
        }
    }

    /**
     * The queues' threads when FUSE over io_uring is expected to serve (kernel transport, not
     * turned off, and the kernel offers it now: it is decided again at INIT).
     */
    static EnginePolicy.Submitters submitters(MountOptions options) {
        boolean ring = options.transport() == Transport.KERNEL && options.fuseUring()
                && org.aiofs.fs.kernel.FuseUring.kernelRefusal() == null;
        return ring ? EnginePolicy.Submitters.QUEUE_THREADS : SUBMITTERS;
    }

    /**
     * An NBD export runs on its own client (the engine named here serves local backing files):
     * the server's cache stands for the page cache, so O_DIRECT modes mean nothing, and
     * writethrough sends every write with FUA.
     */
    private static EngineChoice remote(MountOptions options) throws MountException {
        CacheMode mode;
        String why;
        if (options.cache().equals("auto")) {
            mode = CacheMode.WRITEBACK;
            why = "NBD export: writeback (the server's cache; flushed when the guest fsyncs)";
        } else {
            try {
                mode = CacheMode.parse(options.cache());
            } catch (IllegalArgumentException e) {
                throw new MountException(e.getMessage(), e);
            }
            if (mode.direct()) {
                throw new MountException("--cache " + options.cache() + " needs O_DIRECT, which an NBD export does"
                        + " not have; use writeback, writethrough (writes sent with FUA) or unsafe");
            }
            why = "NBD export: cache " + mode.label() + " as asked"
                    + (mode.writeThrough() ? " (writes sent with FUA)" : "");
        }
        String engine = options.engine().equals("auto") ? SyncEngine.NAME : options.engine();
        if (!Engines.names().contains(engine)) {
            throw new MountException(Engines.probe(engine, null).reason());
        }
        return new EngineChoice(engine, mode, why + "; requests go over the export's connections (several when the"
                + " server allows multi-conn), local backing files on " + engine);
    }
}
