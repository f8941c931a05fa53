package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.aiofs.aio.IoEngine;
import org.aiofs.aio.engine.CacheMode;
import org.aiofs.aio.engine.EngineChoice;
import org.aiofs.aio.engine.Engines;
import org.aiofs.fs.ImageFileSystem;
import org.aiofs.fs.MountInfoFile;
import org.aiofs.fs.ServerLog;
import org.aiofs.fs.fuse.JnrFuseBinding;
import org.aiofs.fs.cli.InfoCommand;
import org.aiofs.fs.layout.MountLayout;
import org.aiofs.fs.layout.SnapshotFiles;
import org.aiofs.image.ImageInfo;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageOpener;
import org.aiofs.image.cache.MetadataCache;
import ru.serce.jnrfuse.FuseException;

/**
 * Serves one image on one mountpoint until it is unmounted (by `aiofs unmount`, fusermount,
 * SIGTERM or SIGINT), then flushes and closes the image. Runs in the foreground; the
 * background mode is this same server started by {@link BackgroundMount}.
 */
public final class MountServer {
    private static final long SHUTDOWN_WAIT_SECONDS = 60;

    private final MountOptions options;
    private final CountDownLatch closed = new CountDownLatch(1);

    public MountServer(MountOptions options) {
        this.options = options;
    }

    public void run() throws MountException, IOException {
        Path mountPoint = MountPaths.canonical(options.mountPoint());
        Preflight.checkImage(options.image(), options.readOnly());
        Preflight.checkMountPoint(mountPoint);
        Preflight.checkFuse();

        EngineChoice choice = MountEngineChoice.choose(options);
        ServerLog.info("engine " + choice.engine() + ", cache " + choice.cache().label() + ": " + choice.reason());
        IoEngine engine;
        try {
            engine = Engines.create(choice.engine());
        } catch (RuntimeException e) {
            throw new MountException("engine " + choice.engine() + " could not start: " + e.getMessage(), e);
        }
        BlockImage image;
        MetadataCache cache = new MetadataCache(options.cacheBytes());
        try {
            image = new ImageOpener(engine, choice.cache().direct(), cache)
                    .open(options.image(), options.format(), options.readOnly());
        } catch (IOException | RuntimeException e) {
            engine.close();
            throw new MountException(e.getMessage(), e);
        }
        RuntimeFiles files = RuntimeFiles.forMountPoint(mountPoint);
        try {
            Map<String, Object> engineDescription = new LinkedHashMap<>();
            engineDescription.put("name", choice.engine());
            engineDescription.put("cache", choice.cache().label());
            engineDescription.put("reason", choice.reason());
            serve(image, cache, mountPoint, files, choice.cache(), engineDescription);
        } finally {
            try {
                image.close();
            } finally {
                engine.close();
                files.removePid();
                if (options.pidFile() != null) {
                    Files.deleteIfExists(options.pidFile());
                }
                closed.countDown();
            }
        }
        ServerLog.info("unmounted " + mountPoint + "; " + options.image() + " flushed and closed");
    }

    private void serve(BlockImage image, MetadataCache metadata, Path mountPoint, RuntimeFiles files, CacheMode cache,
                       Map<String, Object> engineDescription) throws MountException, IOException {
        int uid = (Integer) Files.getAttribute(options.image(), "unix:uid");
        int gid = (Integer) Files.getAttribute(options.image(), "unix:gid");
        FileTime modified = Files.getLastModifiedTime(options.image());
        MountLayout layout = new MountLayout(image, !options.readOnly());
        ImageFileSystem fs = new ImageFileSystem(layout, uid, gid, modified.toMillis() / 1000, cache);
        layout.setSnapshots(SnapshotFiles.of(image));
        layout.setInfoFile(new MountInfoFile(options.image(), image, options.readOnly(), layout, fs.counters(),
                engineDescription, () -> imageDetails(image, metadata)));
        JnrFuseBinding binding = new JnrFuseBinding(fs, "aiofs");

        long pid = ProcessHandle.current().pid();
        files.writePid(pid);
        if (options.pidFile() != null) {
            Files.writeString(options.pidFile(), pid + "\n");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> unmountOnSignal(mountPoint), "aiofs-shutdown"));
        startReadinessWatch(binding, mountPoint);

        ServerLog.info("serving " + options.image() + " (" + image.format() + ", " + image.size() + " bytes) on "
                + mountPoint + (options.readOnly() ? " read-only" : ""));
        try {
            binding.mount(mountPoint, true, false, options.libfuseArguments());
        } catch (FuseException e) {
            throw new MountException("cannot mount " + mountPoint + ": libfuse refused (see its message above)", e);
        } finally {
            binding.markUnmounted();
        }
    }

    /** qemu-img info's facts about the image, under "image_info" in info.json, and the metadata cache's use. */
    private static Map<String, Object> imageDetails(BlockImage image, MetadataCache metadata) {
        Map<String, Object> details = new LinkedHashMap<>();
        try {
            details.put("image_info", InfoCommand.json(ImageInfo.of(image)));
        } catch (IOException | RuntimeException e) {
            details.put("image_info_error", String.valueOf(e.getMessage()));
        }
        Map<String, Object> cache = new LinkedHashMap<>();
        cache.put("budget_bytes", metadata.budgetBytes());
        cache.put("used_bytes", metadata.usedBytes());
        cache.put("peak_bytes", metadata.peakBytes());
        cache.put("hits", metadata.hits());
        cache.put("misses", metadata.misses());
        cache.put("evictions", metadata.evictions());
        details.put("metadata_cache", cache);
        return details;
    }

    /** Tells the launcher we serve once the kernel has answered a real request through the mount. */
    private void startReadinessWatch(JnrFuseBinding binding, Path mountPoint) {
        Thread watch = new Thread(() -> {
            try {
                binding.initialized().await();
                Files.size(mountPoint.resolve(MountLayout.DISK_FILE));
                if (options.notifyReady()) {
                    System.out.println("READY");
                    System.out.flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                ServerLog.error("mount did not come up: " + e.getMessage());
            }
        }, "aiofs-ready");
        watch.setDaemon(true);
        watch.start();
    }

    /** SIGTERM/SIGINT: detach the mount so the serving loop ends, then wait until the image is closed. */
    private void unmountOnSignal(Path mountPoint) {
        if (closed.getCount() == 0) {
            return;
        }
        ServerLog.info("signal received: unmounting " + mountPoint);
        FuseUnmount.Result result = FuseUnmount.run(mountPoint, false);
        if (!result.ok()) {
            ServerLog.info("mount busy (" + result.message() + "); detaching lazily");
            FuseUnmount.run(mountPoint, true);
        }
        try {
            if (!closed.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS)) {
                ServerLog.error("image not closed within " + SHUTDOWN_WAIT_SECONDS + " s of the signal");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
