package org.aiofs.fs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.aiofs.fs.ImageFileSystem;
import org.aiofs.fs.layout.MountLayout;
import org.aiofs.fs.mount.FuseUnmount;
import org.aiofs.testing.FuseUringSwitch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FUSE over io_uring on a real mount, in front of an image whose reads wait at a gate: with
 * enable_uring set (and restored after each test) the requests come from the rings, a queue
 * of 16 direct reads reaches the image at once (the queue threads do not wait in the image),
 * an aborted connection ends the session with requests still in the image, and with the
 * parameter off the /dev/fuse readers serve. Needs root, /dev/fuse and Linux 6.14+.
 */
class FuseUringSessionTest {
    private static final long SIZE = 64L << 20;

    @TempDir
    Path dir;

    private FuseUringSwitch parameter;
    private GatedImage image;
    private ImageFileSystem fs;
    private KernelMount mount;
    private KernelSession session;
    private Thread server;
    private volatile Throwable serverFailure;
    private Path mnt;
    private String connection;

    private void start(boolean enableUring) throws Exception {
        start(enableUring, null);
    }

    /** @param shortPayload REGISTER names payloads this much smaller than the kernel requires (0: none) */
    private void start(boolean enableUring, Integer shortPayload) throws Exception {
        assumeTrue(FuseUringSwitch.exists(), "this kernel has no FUSE over io_uring");
        parameter = FuseUringSwitch.set(enableUring); // read by the kernel at INIT: set before the mount
        image = new GatedImage(SIZE);
        fs = new ImageFileSystem(MountLayout.of(image, false), 0, 0, 0);
        mnt = Files.createDirectory(dir.resolve("mnt"));
        mount = KernelMount.mount(mnt, KernelMountOptions.of("uring-test", true, List.of()), "/dev/fuse",
                "fusermount3", dir);
        connection = TestMounts.connectionOf(mnt);
        session = shortPayload == null
                ? new KernelSession(fs, mount.channel(), "/dev/fuse", 2, PassthroughCandidate.refused("test"), true)
                : KernelSession.withUring(fs, mount.channel(), "/dev/fuse", 2,
                        maxData -> FuseUring.prepare(maxData, maxData - shortPayload, mount.channel()));
        server = new Thread(() -> {
            try {
                session.serve();
            } catch (Throwable t) {
                serverFailure = t;
            }
        }, "test-fuse-server");
        server.start();
        assertTrue(session.initialized().await(20, TimeUnit.SECONDS), "INIT was not answered");
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (image == null) {
                return;
            }
            image.openGate();
            FuseUnmount.run(mnt, true);
            server.join(TimeUnit.SECONDS.toMillis(30));
            boolean stuck = server.isAlive();
            if (stuck) {
                TestMounts.abort(mnt, connection);
                server.join(TimeUnit.SECONDS.toMillis(10));
            }
            mount.close();
            fs.close();
            assertFalse(stuck, "the session did not end after the unmount");
            assertNull(serverFailure, "the session failed");
        } finally {
            if (parameter != null) {
                parameter.close();
            }
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> uring() {
        return (Map<String, Object>) session.describe().get("fuse_over_io_uring");
    }

    private long ringRequests() {
        long n = 0;
        for (Object q : (List<?>) uring().get("per_queue")) {
            n += ((Number) ((Map<?, ?>) q).get("requests")).longValue();
        }
        return n;
    }

    @Test
    void aQueueOfSixteenDirectReadsReachesTheImageAtOnceThroughTheRings() throws Exception {
        start(true);
        assertEquals(Boolean.TRUE, uring().get("serving"), uring().toString());
        assertEquals(FuseUring.possibleCpus(), uring().get("queues"));
        assertEquals(GatedImage.expected(8192), TestMounts.readByte(mnt, 8192)); // served before the gate closes
        long before = ringRequests();
        assertTrue(before > 0, "no request came from the rings: " + uring());
        image.closeGate();
        Process fio = new ProcessBuilder("fio", "--name=queue", "--filename=" + mnt.resolve("disk.raw"),
                "--rw=randread", "--bs=4k", "--direct=1", "--ioengine=libaio", "--iodepth=16", "--number_ios=16",
                "--size=16M", "--norandommap", "--output=/dev/null").redirectErrorStream(true).start();
        try {
            assertTrue(image.awaitWaiting(16, 30), "only " + image.waitingNow() + " of fio's 16 queued reads"
                    + " reached the image at once");
            assertTrue(ringRequests() >= before + 16, "the reads did not come from the rings: " + uring());
            image.openGate();
            assertTrue(fio.waitFor(30, TimeUnit.SECONDS), "fio did not finish");
            assertEquals(0, fio.exitValue(), new String(fio.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            image.openGate();
            fio.destroyForcibly();
        }
    }

    /** Requests waiting in the image when the connection is aborted: answered into the void, and the session ends. */
    @Test
    void anAbortWithRequestsInTheImageEndsTheSession() throws Exception {
        start(true);
        assertEquals(Boolean.TRUE, uring().get("serving"), uring().toString());
        image.closeGate();
        Process fio = new ProcessBuilder("fio", "--name=queue", "--filename=" + mnt.resolve("disk.raw"),
                "--rw=randread", "--bs=4k", "--direct=1", "--ioengine=libaio", "--iodepth=8", "--number_ios=8",
                "--size=16M", "--norandommap", "--output=/dev/null").redirectErrorStream(true).start();
        try {
            assertTrue(image.awaitWaiting(8, 30), "only " + image.waitingNow() + " of 8 reads reached the image");
            TestMounts.abort(mnt, connection);
            assertTrue(fio.waitFor(30, TimeUnit.SECONDS), "fio hangs on the aborted connection");
            image.openGate();
            server.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(server.isAlive(), "the session did not end after the abort");
        } finally {
            image.openGate();
            fio.destroyForcibly();
        }
    }

    @Test
    void withTheParameterOffTheDeviceReadersServe() throws Exception {
        start(false);
        Map<String, Object> u = uring();
        assertEquals(Boolean.FALSE, u.get("serving"), u.toString());
        assertTrue(String.valueOf(u.get("reason")).contains("enable_uring is N"), u.toString());
        assertEquals(0, u.get("queues"), "no ring is made when the kernel will not offer it");
        assertEquals(GatedImage.expected(4096 + 17), TestMounts.readByte(mnt, 4096 + 17));
    }

    /**
     * Entries whose payload is smaller than max_write: the kernel refuses REGISTER (EINVAL) and
     * goes back to /dev/fuse, where the readers serve; nothing hangs, and info says why.
     */
    @Test
    void aRefusedRegisterFallsBackToTheDevice() throws Exception {
        start(true, 4096);
        Map<String, Object> u = uring();
        assertEquals(Boolean.FALSE, u.get("serving"), u.toString());
        assertTrue(String.valueOf(u.get("reason")).contains("the kernel refused REGISTER"), u.toString());
        assertTrue(String.valueOf(u.get("reason")).contains("Invalid argument"), u.toString());
        assertEquals(GatedImage.expected(12345), TestMounts.readByte(mnt, 12345));
        assertEquals(0L, ringRequests(), "no request may come from refused entries");
    }
}
