package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.aiofs.fs.ImageFileSystem;
import org.aiofs.fs.log.ServerLog;
import org.aiofs.fs.kernel.KernelMount;
import org.aiofs.fs.kernel.KernelMountOptions;
import org.aiofs.fs.kernel.KernelSession;
import org.aiofs.fs.kernel.PassthroughCandidate;

/**
 * {@code --transport kernel}: mounts without libfuse ({@link KernelMount}), makes sure a
 * dead server leaves nothing mounted (a {@link MountWatcher}), and serves with a
 * {@link KernelSession}.
 */
final class KernelServer implements FuseServer {
    private final ImageFileSystem fs;
    private final Path mountPoint;
    private final MountOptions options;
    private final Path runtimeDir;
    private final PassthroughCandidate passthrough;
    private final CountDownLatch initialized = new CountDownLatch(1);
    private volatile KernelSession session;
    private volatile String method = "not mounted";

    KernelServer(ImageFileSystem fs, Path mountPoint, MountOptions options, Path runtimeDir,
                 PassthroughCandidate passthrough) {
        this.passthrough = passthrough;
        this.fs = fs;
        this.mountPoint = mountPoint;
        this.options = options;
        this.runtimeDir = runtimeDir;
    }

    @Override
    public void serve() throws MountException {
        KernelMountOptions kernelOptions;
        try {
            kernelOptions = KernelMountOptions.of(options.fsName(), options.readOnly(), options.userFuseOptions());
        } catch (IllegalArgumentException e) {
            throw new MountException(e.getMessage(), e);
        }
        String device = Preflight.fuseDevice();
        KernelMount mount;
        try {
            mount = KernelMount.mount(mountPoint, kernelOptions, device, Preflight.fusermount(), runtimeDir);
        } catch (IOException e) {
            throw new MountException(e.getMessage(), e);
        }
        method = mount.method();
        MountWatcher watcher = null;
        try {
            if (options.autoUnmount()) {
                watcher = MountWatcher.start(mountPoint);
            }
            int readers = options.singleThreaded() ? 1 : KernelSession.defaultReaders();
            session = new KernelSession(fs, mount.channel(), device, readers, passthrough, options.fuseUring());
            Thread relay = new Thread(() -> {
                try {
                    session.initialized().await();
                    initialized.countDown();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "aiofs-init-relay");
            relay.setDaemon(true);
            relay.start();
            session.serve();
        } catch (IOException e) {
            mount.close(); // the connection dies with its last descriptor; detach what is left
            FuseUnmount.run(mountPoint, true);
            throw new MountException("cannot serve " + mountPoint + ": " + e.getMessage(), e);
        } finally {
            if (watcher != null) {
                watcher.close();
            }
            mount.close();
        }
        ServerLog.info("FUSE connection closed");
    }

    @Override
    public CountDownLatch initialized() {
        return initialized;
    }

    @Override
    public Map<String, Object> describe() {
        KernelSession s = session;
        Map<String, Object> m = s != null ? s.describe() : new LinkedHashMap<>(Map.of("name", "kernel"));
        m.put("mounted_with", method);
        return m;
    }
}
