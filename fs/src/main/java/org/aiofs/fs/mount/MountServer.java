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
import org.aiofs.fs.log.ServerLog;
import org.aiofs.fs.fuse.JnrFuseBinding;
import org.aiofs.fs.layout.MountLayout;
import org.aiofs.fs.layout.SnapshotFiles;
import org.aiofs.fs.report.ImageInfoReport;
import org.aiofs.image.BlockImage;
import org.aiofs.image.open.ImageDrivers;
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
        Preflight.checkImage(options.image(), options.readOnly() || options.overlay() != null);
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
        try {
            image = ServedImage.open(options, engine, choice.cache().direct());
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
            serve(image, mountPoint, files, choice.cache(), engineDescription);
        } finally {
            try {
                image.close();
            } finally {
                engine.close();
                if (options.pidFile() != null) {
                    Files.deleteIfExists(options.pidFile());
                }
                closed.countDown();
            }
        }
        ServerLog.info("unmounted " + mountPoint + "; " + options.image() + " flushed and closed");
    }

    private void serve(BlockImage image, Path mountPoint, RuntimeFiles files, CacheMode cache,
                       Map<String, Object> engineDescription) throws MountException, IOException {
        int uid = (Integer) Files.getAttribute(options.image(), "unix:uid");
        int gid = (Integer) Files.getAttribute(options.image(), "unix:gid");
        FileTime modified = Files.getLastModifiedTime(options.image());
        MountLayout layout = new MountLayout(image, !options.readOnly());
        ImageFileSystem fs = new ImageFileSystem(layout, uid, gid, modified.toMillis() / 1000, cache);
        layout.setSnapshots(SnapshotFiles.of(image));
        layout.setInfoFile(new MountInfoFile(options.image(), image, options.readOnly(), layout, fs.counters(),
                engineDescription, () -> mountDetails(image)));
        JnrFuseBinding binding = new JnrFuseBinding(fs, "aiofs");

        long pid = ProcessHandle.current().pid();
        files.markRunning(pid); // `aiofs unmount` waits until this process has ended
        if (options.pidFile() != null) {
            Files.writeString(options.pidFile(), pid + "\n");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> unmountOnSignal(mountPoint), "aiofs-shutdown"));
        startReadinessWatch(binding, mountPoint);

        ServerLog.info("mounting " + options.image() + " (" + image.format() + ", " + image.size() + " bytes) on "
                + mountPoint + (options.readOnly() ? " read-only" : "")
                + (options.overlay() == null ? "" : ", writes to the overlay " + options.overlay().describe()));
        try {
            binding.mount(mountPoint, true, false, options.libfuseArguments());
        } catch (FuseException e) {
            throw new MountException("cannot mount " + mountPoint + ": libfuse refused", e);
        } finally {
            binding.markUnmounted();
        }
    }

    /** The overlay and the log, and qemu-img info's facts about the image under "image_info", for info.json. */
    private Map<String, Object> mountDetails(BlockImage image) {
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
        return details;
    }

    /** Tells the launcher we serve once the kernel has answered a real request through the mount. */
    private void startReadinessWatch(JnrFuseBinding binding, Path mountPoint) {
        Thread watch = new Thread(() -> {
            try {
                binding.initialized().await();
                Files.size(mountPoint.resolve(MountLayout.DISK_FILE));
                ServerLog.info("serving " + mountPoint);
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
