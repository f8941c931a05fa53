package org.aiofs.aio.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;

/**
 * The one policy that chooses the cache mode and then the engine for a host file, from
 * {@code --cache auto|writeback|writethrough|none|directsync|unsafe} and {@code --engine
 * auto|NAME}, by probing, and says why. What the caller brings is an explicit input
 * ({@link Request}): who submits, and whether its format can take O_DIRECT.
 * <ul>
 * <li>cache auto: a regular file is buffered (the host page cache is shared with everything
 * else); a block device is O_DIRECT when it takes it and the format can.</li>
 * <li>engine auto: the first engine of the matching {@link #AUTO} rule that works here
 * (engines that need O_DIRECT are not tried on buffered files).</li>
 * <li>An explicit choice that cannot work is refused with the probe's reason.</li>
 * </ul>
 */
public final class EnginePolicy {
    /** Who submits the requests: decides what auto picks for a buffered file. */
    public enum Submitters {
        /** Many threads that each wait for their own request (a FUSE transport's threads): they carry the concurrency. */
        BLOCKING_THREADS,
        /** Callers that submit and go on (an asynchronous transport, `aiofs bench`): the engine brings it. */
        ASYNCHRONOUS,
        /**
         * One thread per CPU that takes requests from a kernel queue and hands replies back on
         * it (FUSE over io_uring): a hand-off to another thread costs two wake-ups per request.
         */
        QUEUE_THREADS
    }

    /**
     * What the policy is asked.
     *
     * @param engine     {@code auto} or an engine name
     * @param cache      {@code auto} or a cache mode
     * @param target     the host file or block device
     * @param submitters who submits the requests
     * @param noDirectIo why the caller cannot use O_DIRECT on this target (e.g. its format), or null
     */
    public record Request(String engine, String cache, Path target, Submitters submitters, String noDirectIo) {
    }

    /** One line of auto: for files opened O_DIRECT or not, and these submitters, the engines tried in order, and why. */
    record AutoRule(boolean direct, Submitters submitters, List<String> engines, String why) {
    }

    /**
     * auto, as data. Each line carries the measurement behind it; change a line when the
     * figures change. (A rule with null submitters holds for both.)
     */
    static final List<AutoRule> AUTO = List.of(
            new AutoRule(true, null, List.of(IoUringEngine.NAME, LinuxAioEngine.NAME, ThreadPoolEngine.NAME),
                    "O_DIRECT: a kernel queue keeps the device busy without a thread per request"),
            new AutoRule(false, Submitters.BLOCKING_THREADS, List.of(SyncEngine.NAME),
                    "buffered, submitters that wait on their own threads: they carry the concurrency, a hand-off"
                            + " to a pool only adds latency (through the kernel transport, on tmpfs: 4 KiB reads at"
                            + " QD1 31k IOPS vs 23k on the thread pool, with 4 jobs 49k vs 35k)"),
            new AutoRule(false, Submitters.QUEUE_THREADS, List.of(SyncEngine.NAME),
                    "buffered, one queue thread per CPU (FUSE over io_uring): a page-cache read done on the"
                            + " queue's thread beats a hand-off to the pool and back (on tmpfs, 2 CPUs: 4 KiB reads"
                            + " at QD1 27-30k IOPS vs 17-20k, QD16 78k vs 57-72k, 4 jobs 81-84k vs 30-51k); each"
                            + " queue then has one request in the image at a time, so a buffered image on a slow"
                            + " disk wants --engine threadpool"),
            new AutoRule(false, Submitters.ASYNCHRONOUS, List.of(ThreadPoolEngine.NAME),
                    "buffered, asynchronous submitters: buffered io_uring writes go to one kernel worker (about"
                            + " half the pool's IOPS) and linux-aio blocks on buffered files"));

    private EnginePolicy() {
    }

    /** Both steps: {@link #cache}, then {@link #engine} for that cache mode. */
    public static EngineChoice choose(Request request) {
        return engine(request, cache(request));
    }

    /** auto: O_DIRECT for a block device (when it and the format take it), buffered for a file. */
    public static CacheChoice cache(Request request) {
        Path target = request.target();
        String cache = request.cache();
        if (!cache.equals("auto")) {
            CacheMode mode = CacheMode.parse(cache);
            String why = "cache " + mode.label() + " as asked";
            if (!mode.direct()) {
                return new CacheChoice(mode, why);
            }
            if (request.noDirectIo() != null) {
                throw new IllegalArgumentException("--cache " + cache + " needs O_DIRECT: " + request.noDirectIo()
                        + "; use --cache writeback or writethrough");
            }
            ProbeResult direct = DirectIoProbe.probe(target);
            if (!direct.supported()) {
                throw new IllegalArgumentException("--cache " + cache + " needs O_DIRECT: " + direct.reason());
            }
            return new CacheChoice(mode, why + ", " + direct.reason());
        }
        boolean blockDevice = Files.exists(target) && !Files.isRegularFile(target);
        if (!blockDevice) {
            return new CacheChoice(CacheMode.WRITEBACK, "regular file: buffered (page cache shared)");
        }
        if (request.noDirectIo() != null) {
            return new CacheChoice(CacheMode.WRITEBACK, "block device: buffered, " + request.noDirectIo());
        }
        ProbeResult direct = DirectIoProbe.probe(target);
        if (!direct.supported()) {
            return new CacheChoice(CacheMode.WRITEBACK,
                    "block device: O_DIRECT refused (" + direct.reason() + "), buffered instead");
        }
        return new CacheChoice(CacheMode.NONE, "block device: O_DIRECT, " + direct.reason());
    }

    /** The engine for the target opened with the chosen cache mode; the reason carries the cache's. */
    public static EngineChoice engine(Request request, CacheChoice cache) {
        CacheMode mode = cache.mode();
        String engine = request.engine();
        try (HostFile file = HostFile.open(request.target(), true, mode.direct())) {
            if (!engine.equals("auto")) {
                ProbeResult probe = Engines.probe(engine, file);
                if (!probe.supported()) {
                    throw new IllegalArgumentException("--engine " + engine + " cannot be used: " + probe.reason());
                }
                return new EngineChoice(engine, mode, cache.reason() + "; engine " + engine + " as asked ("
                        + probe.reason() + ")");
            }
            AutoRule rule = rule(mode.direct(), request.submitters());
            List<String> refused = new ArrayList<>();
            for (String name : rule.engines()) {
                ProbeResult probe = Engines.probe(name, file);
                if (probe.supported()) {
                    return new EngineChoice(name, mode, cache.reason() + "; " + name + " (auto, " + rule.why() + ")"
                            + (refused.isEmpty() ? "" : "; " + String.join("; ", refused)) + "; " + probe.reason());
                }
                refused.add(name + " refused: " + probe.reason());
            }
            throw new IllegalArgumentException("no engine works for " + request.target() + ": "
                    + String.join("; ", refused));
        } catch (HostIoException e) {
            throw new IllegalArgumentException(request.target() + ": cannot open for probing: " + e.getMessage(), e);
        }
    }

    static AutoRule rule(boolean direct, Submitters submitters) {
        for (AutoRule r : AUTO) {
            if (r.direct() == direct && (r.submitters() == null || r.submitters() == submitters)) {
                return r;
            }
        }
        throw new IllegalStateException("no auto rule for direct=" + direct + ", " + submitters);
    }
}
