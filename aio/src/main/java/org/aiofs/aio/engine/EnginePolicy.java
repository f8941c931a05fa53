package org.aiofs.aio.engine;

import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;

/**
 * Chooses the engine and cache mode for one host file from {@code --engine auto|NAME} and
 * {@code --cache auto|writeback|writethrough|none|directsync|unsafe}, by probing.
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

    public static EngineChoice choose(String engine, String cache, Path target) {
        boolean blockDevice = Files.exists(target) && !Files.isRegularFile(target);
        CacheMode mode;
        StringBuilder why = new StringBuilder();
        if (cache.equals("auto")) {
            mode = blockDevice ? CacheMode.NONE : CacheMode.WRITEBACK;
            why.append(blockDevice ? "block device: O_DIRECT" : "regular file: buffered (page cache shared)");
            if (mode.direct()) {
                ProbeResult direct = DirectIoProbe.probe(target);
                if (!direct.supported()) {
                    mode = CacheMode.WRITEBACK;
                    why.append(" refused (").append(direct.reason()).append("), buffered instead");
                } else {
                    why.append(", ").append(direct.reason());
                }
            }
        } else {
            mode = CacheMode.parse(cache);
            why.append("cache ").append(mode.label()).append(" as asked");
            if (mode.direct()) {
                ProbeResult direct = DirectIoProbe.probe(target);
                if (!direct.supported()) {
                    throw new IllegalArgumentException("--cache " + cache + " needs O_DIRECT: " + direct.reason());
                }
                why.append(", ").append(direct.reason());
            }
        }
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
