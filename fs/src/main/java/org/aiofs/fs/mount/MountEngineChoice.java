package org.aiofs.fs.mount;

import java.io.IOException;

import org.aiofs.aio.engine.CacheChoice;
import org.aiofs.aio.engine.CacheMode;
import org.aiofs.aio.engine.EngineChoice;
import org.aiofs.aio.engine.EnginePolicy;
import org.aiofs.aio.engine.SyncEngine;
import org.aiofs.image.open.FormatProbe;

/**
 * The engine and cache mode a mount uses: {@link EnginePolicy}'s two steps, with two rules
 * that only hold behind FUSE.
 * <ul>
 * <li>O_DIRECT is for raw images only: with {@code --cache auto} a qcow2 image on a block
 * device is served buffered, and the reason says so.</li>
 * <li>Buffered files get the sync engine under {@code --engine auto}: libfuse's worker threads
 * already carry the concurrency, and handing each request to a pool thread only adds a
 * wake-up. Measured through the mount (bench/fio-compare.sh, 4 KiB random reads at QD1 on
 * tmpfs): sync 42-45k IOPS, threadpool 29k; 1 MiB reads 3.0 vs 2.1 GB/s.</li>
 * </ul>
 */
final class MountEngineChoice {
    private MountEngineChoice() {
    }

    static EngineChoice choose(MountOptions options) throws MountException {
        try {
            CacheChoice cache = EnginePolicy.cache(options.cache(), options.image());
            if (cache.mode().direct()) {
                String format = options.format() != null ? options.format()
                        : FormatProbe.probe(options.image()).name();
                if (!format.equals("raw")) {
                    if (!options.cache().equals("auto")) {
                        throw new MountException("--cache " + options.cache() + " needs O_DIRECT, which aiofs supports"
                                + " for raw images only; use --cache writeback or writethrough for "
                                + format);
                    }
                    cache = new CacheChoice(CacheMode.WRITEBACK, format
                            + " image: buffered, its metadata writes are not sector-aligned");
                }
            }
            if (options.engine().equals("auto") && !cache.mode().direct()) {
                return new EngineChoice(SyncEngine.NAME, cache.mode(), cache.reason()
                        + "; sync: FUSE's threads carry the concurrency, a hand-off to a pool only adds latency"
                        + " (through the mount: 4 KiB reads at QD1 42-45k IOPS vs 29k on the thread pool)");
            }
            return EnginePolicy.engine(options.engine(), cache, options.image());
        } catch (IllegalArgumentException | IOException e) {
            throw new MountException(e.getMessage(), e);
        }
    }
}
