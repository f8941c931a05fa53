package org.aiofs.aio.engine;

import java.io.UncheckedIOException;
import java.util.List;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.IoEngine;

/** Creates and probes engines by the names users give on the command line. */
public final class Engines {
    /** Pool size: enough threads to keep a disk busy, not so many that they fight over 2 cores. */
    public static final int DEFAULT_THREADS = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

    private Engines() {
    }

    public static List<String> names() {
        return List.of(SyncEngine.NAME, WorkerEngine.NAME, ThreadPoolEngine.NAME, LinuxAioEngine.NAME,
                IoUringEngine.NAME);
    }

    /** Creates an engine; "auto" is the thread pool (use {@link EnginePolicy} to choose per file). */
    public static IoEngine create(String name) {
        try {
            switch (name) {
                case SyncEngine.NAME:
                    return new SyncEngine();
                case WorkerEngine.NAME:
                    return new WorkerEngine();
                case ThreadPoolEngine.NAME:
                case "auto":
                    return new ThreadPoolEngine(DEFAULT_THREADS);
                case LinuxAioEngine.NAME:
                    return new LinuxAioEngine();
                case IoUringEngine.NAME:
                    return new IoUringEngine();
                default:
                    throw unknown(name);
            }
        } catch (HostIoException e) {
            throw new UncheckedIOException("engine " + name + ": " + e.getMessage(), e);
        }
    }

    /** Whether the named engine works for this file; unknown names are refused, not thrown. */
    public static ProbeResult probe(String name, HostFile file) {
        switch (name) {
            case SyncEngine.NAME:
            case WorkerEngine.NAME:
            case ThreadPoolEngine.NAME:
                return ProbeResult.ok(name, "plain system calls work on every file");
            case LinuxAioEngine.NAME:
                return LinuxAioEngine.probe(file);
            case IoUringEngine.NAME:
                return IoUringEngine.probe(file);
            default:
                return ProbeResult.refused(name, unknown(name).getMessage());
        }
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown engine '" + name + "' (known: auto, "
                + String.join(", ", names()) + ")");
    }
}
