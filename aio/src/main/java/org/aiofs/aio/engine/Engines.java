package org.aiofs.aio.engine;

import java.util.List;

import org.aiofs.aio.IoEngine;

/** Creates engines by the names users give on the command line. */
public final class Engines {
    /** Pool size: enough threads to keep a disk busy, not so many that they fight over 2 cores. */
    public static final int DEFAULT_THREADS = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

    private Engines() {
    }

    public static List<String> names() {
        return List.of(SyncEngine.NAME, ThreadPoolEngine.NAME);
    }

    public static IoEngine create(String name) {
        switch (name) {
            case SyncEngine.NAME:
                return new SyncEngine();
            case ThreadPoolEngine.NAME:
            case "auto":
                return new ThreadPoolEngine(DEFAULT_THREADS);
            default:
                throw new IllegalArgumentException("unknown engine '" + name + "' (known: auto, "
                        + String.join(", ", names()) + ")");
        }
    }
}
