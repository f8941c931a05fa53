package org.aiofs.fs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
    @TempDir
    Path dir;

    private FuseUringSwitch parameter;
    private GatedSession gated;
    private GatedImage image;
    private Path mnt;
    private KernelSession session;

    private void start(boolean enableUring) throws Exception {
        start(enableUring, null);
    }

    /** @param shortPayload REGISTER names payloads this much smaller than the kernel requires (0: none) */
    private void start(boolean enableUring, Integer shortPayload) throws Exception {
        assumeTrue(FuseUringSwitch.exists(), "this kernel has no FUSE over io_uring");
        parameter = FuseUringSwitch.set(enableUring); // read by the kernel at INIT: set before the mount
        gated = new GatedSession(dir, "uring-test", true, (fs, channel) -> shortPayload == null
                ? new KernelSession(fs, channel, "/dev/fuse", 2, PassthroughCandidate.refused("test"), true)
                : KernelSession.withUring(fs, channel, "/dev/fuse", 2,
                        maxData -> FuseUring.prepare(maxData, maxData - shortPayload, channel)));
        image = gated.image;
        mnt = gated.mnt;
        session = gated.session;
        gated.awaitInit();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (gated != null) {
                gated.close();
            }
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
        Process fio = TestMounts.directReads(mnt, 16);
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
        Process fio = TestMounts.directReads(mnt, 8);
        try {
            assertTrue(image.awaitWaiting(8, 30), "only " + image.waitingNow() + " of 8 reads reached the image");
            gated.abort();
            assertTrue(fio.waitFor(30, TimeUnit.SECONDS), "fio hangs on the aborted connection");
            image.openGate();
            assertTrue(gated.ends(30), "the session did not end after the abort");
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
