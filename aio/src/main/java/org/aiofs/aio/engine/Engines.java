package org.aiofs.aio.engine;

import java.io.UncheckedIOException;
import java.util.List;

import org.aiofs.aio.EngineCapabilities;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.IoEngine;

/**
 * Every engine aiofs has, one entry each, in the order of the seed talk's question (from the
 * plain system call to io_uring). {@link EnginePolicy}, the mount and `aiofs bench` read it.
 */
public final class Engines {
    /** Threads of the thread pool: twice the CPUs (I/O waits leave them idle), at least 4 for a disk's queue. */
    public static final int DEFAULT_THREADS = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

    private static final List<EngineEntry> TABLE = List.of(
            new EngineEntry(SyncEngine.NAME, "pread/pwrite on the caller's thread",
                    new EngineCapabilities(false, true, false, false), SyncEngine::new,
                    plainCalls(SyncEngine.NAME)),
            new EngineEntry(WorkerEngine.NAME, "one thread runs every request in order",
                    new EngineCapabilities(true, true, false, false), WorkerEngine::new,
                    plainCalls(WorkerEngine.NAME)),
            new EngineEntry(ThreadPoolEngine.NAME, DEFAULT_THREADS + " threads with preadv/pwritev",
                    new EngineCapabilities(true, true, false, false), () -> new ThreadPoolEngine(DEFAULT_THREADS),
                    plainCalls(ThreadPoolEngine.NAME)),
            new EngineEntry(PosixAioEngine.NAME, "glibc aio_read/aio_write (requests on one file run one at a time)",
                    new EngineCapabilities(true, false, false, false), PosixAioEngine::new, PosixAioEngine::probe),
            new EngineEntry(LinuxAioEngine.NAME,
                    "Linux native AIO, io_submit (on a buffered file it does the I/O inside the call)",
                    new EngineCapabilities(true, true, true, true), LinuxAioEngine::new, LinuxAioEngine::probe),
            new EngineEntry(IoUringEngine.NAME, "io_uring rings driven by one issuer thread",
                    new EngineCapabilities(true, true, true, false), IoUringEngine::new, IoUringEngine::probe));

    private Engines() {
    }

    private static EngineEntry.Probe plainCalls(String name) {
        return file -> ProbeResult.ok(name, "plain system calls work on every file");
    }

    public static List<EngineEntry> all() {
        return TABLE;
    }

    public static List<String> names() {
        return TABLE.stream().map(EngineEntry::name).toList();
    }

    /** The entry for a name users gave; unknown names are refused with the known ones. */
    public static EngineEntry entry(String name) {
        for (EngineEntry e : TABLE) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown engine '" + name + "' (known: auto, "
                + String.join(", ", names()) + ")");
    }

    public static IoEngine create(String name) {
        EngineEntry e = entry(name);
        try {
            return e.factory().create();
        } catch (HostIoException ex) {
            throw new UncheckedIOException("engine " + name + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Whether the named engine works for this file: refused without trying when it needs O_DIRECT
     * and the file is buffered, else as its probe finds. Unknown names are refused, not thrown.
     */
    public static ProbeResult probe(String name, HostFile file) {
        EngineEntry e;
        try {
            e = entry(name);
        } catch (IllegalArgumentException unknown) {
            return ProbeResult.refused(name, unknown.getMessage());
        }
        if (e.capabilities().needsDirectIo() && file != null && !file.direct()) {
            return ProbeResult.refused(name, file.path() + " is buffered and " + name
                    + " needs O_DIRECT (--cache none or directsync): " + e.summary());
        }
        return e.probe().probe(file);
    }
}
