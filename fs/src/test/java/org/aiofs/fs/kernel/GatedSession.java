package org.aiofs.fs.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.aiofs.fs.ImageFileSystem;
import org.aiofs.fs.layout.MountLayout;
import org.aiofs.fs.mount.FuseUnmount;

/**
 * A kernel session on a real mount in front of a {@link GatedImage} (writable unless the
 * mount is read-only), served on a thread of its own, as the session tests need it. {@link #close} opens the gate, unmounts, aborts the
 * connection of a session that does not end (so nothing stays hung), and fails the test if
 * the session did not end or failed.
 */
final class GatedSession implements AutoCloseable {
    /** Makes the session under test for the mounted descriptor. */
    interface SessionMaker {
        KernelSession make(ImageFileSystem fs, FuseChannel channel);
    }

    private static final long SIZE = 64L << 20;

    final GatedImage image;
    final Path mnt;
    final KernelSession session;
    private final ImageFileSystem fs;
    private final KernelMount mount;
    private final String connection;
    private final Thread server;
    private volatile Throwable serverFailure;

    /** Mounts {@code dir}/mnt (named {@code name}), starts serving and waits for INIT to be answered. */
    GatedSession(Path dir, String name, boolean readOnly, SessionMaker maker) throws Exception {
        image = new GatedImage(SIZE, !readOnly);
        fs = new ImageFileSystem(MountLayout.of(image, !readOnly), 0, 0, 0);
        mnt = Files.createDirectory(dir.resolve("mnt"));
        mount = KernelMount.mount(mnt, KernelMountOptions.of(name, readOnly, List.of()), "/dev/fuse",
                "fusermount3", dir);
        try {
            connection = TestMounts.connectionOf(mnt);
            session = maker.make(fs, mount.channel());
        } catch (Exception | Error e) {
            FuseUnmount.run(mnt, true);
            mount.close();
            fs.close();
            throw e;
        }
        server = new Thread(() -> {
            try {
                session.serve();
            } catch (Throwable t) {
                serverFailure = t;
            }
        }, "test-fuse-server");
        server.start();
    }

    void awaitInit() throws InterruptedException {
        assertTrue(session.initialized().await(20, TimeUnit.SECONDS), "INIT was not answered");
    }

    /** Aborts the connection as the control file system would (requests in flight get ENOTCONN). */
    void abort() throws Exception {
        TestMounts.abort(mnt, connection);
    }

    /** Whether the session ended within {@code seconds}. */
    boolean ends(long seconds) throws InterruptedException {
        server.join(TimeUnit.SECONDS.toMillis(seconds));
        return !server.isAlive();
    }

    @Override
    public void close() throws Exception {
        image.openGate();
        FuseUnmount.run(mnt, true);
        boolean stuck = !ends(30);
        if (stuck) {
            abort();
            ends(10);
        }
        mount.close();
        fs.close();
        assertFalse(stuck, "the session did not end after the unmount");
        assertNull(serverFailure, "the session failed");
    }
}
