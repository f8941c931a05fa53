package org.aiofs.aio.engine;

import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;

/**
 * Chooses the cache mode and then the engine for one host file, from {@code --cache
 * auto|writeback|writethrough|none|directsync|unsafe} and {@code --engine auto|NAME}, by probing.
 * auto: a regular file is buffered (the host page cache is shared with everything else)
 * on the thread pool: `aiofs bench` here has io_uring ahead on page-cache reads but at
 * about half the pool's IOPS on buffered writes (ext4 hands them to one kernel worker),
 * and linux-aio blocks on buffered files. A block device gets
 * O_DIRECT on io_uring, else linux-aio, else the thread pool.
 * An explicit choice that cannot work is refused with the probe's reason.
 */
public final class EnginePolicy {
    private EnginePolicy() {
    }

    /** Both steps: {@link #cache}, then {@link #engine} for that cache mode. */
    public static EngineChoice choose(String engine, String cache, Path target) {
        return engine(engine, cache(cache, target), target);
    }

    /** auto: O_DIRECT for a block device (when it takes it), buffered for a file. */
    public static CacheChoice cache(String cache, Path target) {
        boolean blockDevice = Files.exists(target) && !Files.isRegularFile(target);
        if (!cache.equals("auto")) {
            CacheMode mode = CacheMode.parse(cache);
            String why = "cache " + mode.label() + " as asked";
            if (!mode.direct()) {
                return new CacheChoice(mode, why);
            }
            ProbeResult direct = DirectIoProbe.probe(target);
            if (!direct.supported()) {
                throw new IllegalArgumentException("--cache " + cache + " needs O_DIRECT: " + direct.reason());
            }
            return new CacheChoice(mode, why + ", " + direct.reason());
        }
        if (!blockDevice) {
            return new CacheChoice(CacheMode.WRITEBACK, "regular file: buffered (page cache shared)");
        }
        ProbeResult direct = DirectIoProbe.probe(target);
        if (!direct.supported()) {
            return new CacheChoice(CacheMode.WRITEBACK,
                    "block device: O_DIRECT refused (" + direct.reason() + "), buffered instead");
        }
        return new CacheChoice(CacheMode.NONE, "block device: O_DIRECT, " + direct.reason());
    }

    /** The engine for a file opened with the chosen cache mode; the reason carries the cache's. */
    public static EngineChoice engine(String engine, CacheChoice cache, Path target) {
        CacheMode mode = cache.mode();
        String why = cache.reason();
        try (HostFile file = HostFile.open(target, true, mode.direct())) {
            if (!engine.equals("auto")) {
                ProbeResult probe = Engines.probe(engine, file);
                if (!probe.supported()) {
                    throw new IllegalArgumentException("--engine " + engine + " cannot be used: " + probe.reason());
                }
                return new EngineChoice(engine, mode, why + "; engine " + engine + " as asked (" + probe.reason() + ")");
            }
            if (!mode.direct()) {
                return new EngineChoice(ThreadPoolEngine.NAME, mode, why + "; threadpool: buffered io_uring writes"
                        + " go to one kernel worker (about half the pool's IOPS) and linux-aio blocks on buffered files");
            }
            ProbeResult uring = IoUringEngine.probe(file);
            if (uring.supported()) {
                return new EngineChoice(IoUringEngine.NAME, mode, why + "; " + uring.reason());
            }
            ProbeResult aio = LinuxAioEngine.probe(file);
            if (aio.supported()) {
                return new EngineChoice(LinuxAioEngine.NAME, mode, why + "; io_uring refused (" + uring.reason()
                        + "), " + aio.reason());
            }
            return new EngineChoice(ThreadPoolEngine.NAME, mode, why + "; io_uring refused (" + uring.reason()
                    + "), linux-aio refused (" + aio.reason() + ")");
        } catch (HostIoException e) {
            throw new IllegalArgumentException(target + ": cannot open for probing: " + e.getMessage(), e);
        }
    }
}
