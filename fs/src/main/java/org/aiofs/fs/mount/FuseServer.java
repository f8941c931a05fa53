package org.aiofs.fs.mount;

import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** One transport serving the filesystem on the mountpoint. */
interface FuseServer {
    /** Mounts, serves until unmounted, and returns once every request has been answered. */
    void serve() throws MountException;

    /** Counted down once the kernel's INIT has been answered. */
    CountDownLatch initialized();

    /** For info.json: the transport and what it settled with the kernel. */
    Map<String, Object> describe();
}
