package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.aiofs.aio.IoEngine;
import org.aiofs.aio.RemoteExport;
import org.aiofs.aio.engine.CacheMode;
import org.aiofs.aio.engine.EngineChoice;
import org.aiofs.aio.engine.Engines;
import org.aiofs.fs.ImageFileSystem;
import org.aiofs.fs.MountInfoFile;
import org.aiofs.fs.kernel.PassthroughCandidate;
import org.aiofs.fs.log.ServerLog;
import org.aiofs.fs.layout.MountLayout;
import org.aiofs.fs.layout.SnapshotFiles;
import org.aiofs.fs.report.ImageInfoReport;
import org.aiofs.image.BlockImage;
import org.aiofs.image.cache.MetadataCache;
import org.aiofs.image.open.ImageDrivers;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.open.NamedFilePolicy;

/**
 * Serves one image on one mountpoint until it is unmounted (by `aiofs unmount`, fusermount,
 * SIGTERM or SIGINT), then flushes and closes the image. Runs in the foreground; the
 * background mode is this same server started by {@link BackgroundMount}.
 */
public final class MountServer {
    private static final long SHUTDOWN_WAIT_SECONDS = 60;

    private final MountOptions options;
    private final CountDownLatch closed = new CountDownLatch(1);
    /** What the close of the image lost, or null; read once {@link #closed} is down. */
    private volatile String closeFailure;
    private volatile String notServing;

    public MountServer(MountOptions options) {
        this.options = options;
    }

    public void run() throws MountException, IOException {
        if (options.notifyReady()) {
            System.out.println(BackgroundMount.PID + ProcessHandle.current().pid());
            System.out.flush();
        }
        Path mountPoint = MountPaths.canonical(options.mountPoint());
        if (!options.image().isRemote()) {
            Preflight.checkImage(options.image().path(), options.readOnly() || options.overlay() != null);
        }
        Preflight.checkMountPoint(mountPoint);
        Preflight.checkFuse(options.transport());

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
        ImageOpener opener;
        try {
            opener = new ImageOpener(engine, choice.cache(), ServerLog::info)
                    .withPolicy(NamedFilePolicy.fromOptions(options.allowBacking()))
                    .withMetadataCache(cache)
                    .withNotices(this::notice);
            image = ServedImage.open(options, opener);
        } catch (IOException | RuntimeException e) {
            engine.close();
            throw new MountException(e.getMessage(), e);
        }
        RuntimeFiles files = RuntimeFiles.forMountPoint(mountPoint);
        CloseStatus.clear(files);
        String lost = null;
        try {
            Map<String, Object> engineDescription = new LinkedHashMap<>();
            engineDescription.put("name", options.image().isRemote() ? "nbd" : choice.engine());
            engineDescription.put("cache", choice.cache().label());
            engineDescription.put("reason", choice.reason());
            List<Map<String, String>> exports = new ArrayList<>();
            for (RemoteExport export : opener.exports()) {
                ServerLog.info(export.location() + ": " + export.describe());
                exports.add(Map.of("uri", export.location(), "negotiated", export.describe()));
            }
            if (!exports.isEmpty()) {
                engineDescription.put("nbd_exports", exports);
            }
            serve(image, cache, mountPoint, files, choice.cache(), engineDescription);
        } finally {
            try {
                image.close();
            } catch (IOException | RuntimeException e) {
                lost = e.getMessage();
                ServerLog.error(lost);
            } finally {
                engine.close();
                if (options.pidFile() != null) {
                    Files.deleteIfExists(options.pidFile());
                }
                CloseStatus.write(files, lost);
                closeFailure = lost;
                closed.countDown();
            }
        }
        if (lost != null) {
            throw new MountException(lost);
        }
        ServerLog.info("unmounted " + mountPoint + "; " + options.image() + " flushed and closed");
    }

    private void serve(BlockImage image, MetadataCache metadata, Path mountPoint, RuntimeFiles files, CacheMode cache,
                       Map<String, Object> engineDescription) throws MountException, IOException {
        // an export's files belong to whoever owns the mountpoint, as of now
        Path owner = options.image().isRemote() ? mountPoint : options.image().path();
        int uid = (Integer) Files.getAttribute(owner, "unix:uid");
        int gid = (Integer) Files.getAttribute(owner, "unix:gid");
        FileTime modified = options.image().isRemote() ? FileTime.fromMillis(System.currentTimeMillis())
                : Files.getLastModifiedTime(owner);
        MountLayout layout = new MountLayout(image, !options.readOnly());
        ImageFileSystem fs = new ImageFileSystem(layout, uid, gid, modified.toMillis() / 1000, cache);
        PassthroughCandidate passthrough = PassthroughChoice.of(options, cache, layout);
        FuseServer server = options.transport() == Transport.LIBFUSE2 ? new LibfuseServer(fs, mountPoint, options)
                : new KernelServer(fs, mountPoint, options, files.directory(), passthrough);
        if (options.transport() == Transport.LIBFUSE2) {
            ServerLog.info("FUSE passthrough off: " + passthrough.refusal());
        }
        layout.setSnapshots(SnapshotFiles.of(image));
        layout.setInfoFile(new MountInfoFile(options.image().toString(), image, options.readOnly(), layout,
                fs.counters(), engineDescription, () -> transportDescription(server, passthrough),
                () -> mountDetails(image, metadata)));

        long pid = ProcessHandle.current().pid();
        files.markRunning(pid); // `aiofs unmount` waits until this process has ended
        if (options.pidFile() != null) {
            Files.writeString(options.pidFile(), pid + "\n");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> unmountOnSignal(mountPoint), "aiofs-shutdown"));
        startReadinessWatch(server.initialized(), mountPoint);

        ServerLog.info("mounting " + options.image() + " (" + image.format() + ", " + image.size() + " bytes) on "
                + mountPoint + (options.readOnly() ? " read-only" : "")
                + (options.overlay() == null ? "" : ", writes to the overlay " + options.overlay().describe())
                + " over FUSE transport " + options.transport().label());
        try {
            server.serve();
        } finally {
            fs.close();
        }
        if (notServing != null) {
            throw new MountException("the mount did not serve: " + notServing);
        }
    }

    /** What the user should know about the mount (the chain it follows): logged, and shown by the launcher. */
    private void notice(String text) {
        ServerLog.info("note: " + text);
        if (options.notifyReady()) {
            System.out.println(BackgroundMount.NOTE + text);
            System.out.flush();
        }
    }

    /** How FUSE is spoken, with "passthrough" always present (libfuse2 has none to say). */
    private static Map<String, Object> transportDescription(FuseServer server, PassthroughCandidate passthrough) {
        Map<String, Object> m = new LinkedHashMap<>(server.describe());
        m.putIfAbsent("passthrough", Map.of("files", List.of(), "reason", String.valueOf(passthrough.refusal())));
        return m;
    }

    /**
     * The overlay and the log, qemu-img info's facts about the image under "image_info", and the
     * metadata cache's use, for info.json.
     */
    private Map<String, Object> mountDetails(BlockImage image, MetadataCache metadata) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (options.overlay() != null) {
            details.put("overlay", options.overlay().describe());
        }
        details.put("log", options.logFile() == null ? "stderr of the foreground server" : options.logFile().toString());
        try {
            details.put("image_info", ImageInfoReport.json(ImageDrivers.describe(image)));
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
    private void startReadinessWatch(CountDownLatch initialized, Path mountPoint) {
        Thread watch = new Thread(() -> {
            try {
                initialized.await();
                Files.size(mountPoint.resolve(MountLayout.DISK_FILE));
                ServerLog.info("serving " + mountPoint);
                if (options.notifyReady()) {
                    System.out.println("READY");
                    System.out.flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // fail rather than leave the launcher waiting for a READY that won't come
                notServing = mountPoint.resolve(MountLayout.DISK_FILE) + ": " + e.getMessage();
                ServerLog.error("mount did not come up: " + notServing + "; unmounting");
                FuseUnmount.run(mountPoint, true);
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
            } else if (closeFailure != null) {
                // the JVM would exit 143 as for any SIGTERM: whoever waits for us must see the loss
                Runtime.getRuntime().halt(1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
