package org.aiofs.fs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel transport on a real mount, in front of an image whose reads wait at a gate:
 * what reaches the image at once shows that no thread waits per request in flight, and
 * faults (interrupts, unknown requests, refused replies) leave the mount serving.
 * Needs root and /dev/fuse, as every mount test.
 */
class KernelSessionTest {
    private static final int READERS = 4;
    /** x86-64 system call numbers, as /proc/TID/syscall shows them. */
    private static final int PREAD64 = 17;
    private static final int PWRITE64 = 18;

    @TempDir
    Path dir;

    private GatedSession gated;
    private GatedImage image;
    private Path mnt;
    private KernelSession session;

    private void start(boolean writableMount, UnaryOperator<RequestHandler> faults) throws Exception {
        start(writableMount, READERS, faults);
    }

    private void start(boolean writableMount, int readers, UnaryOperator<RequestHandler> faults) throws Exception {
        gated = new GatedSession(dir, "gated-test", !writableMount,
                (fs, channel) -> new KernelSession(fs, channel, "/dev/fuse", readers, faults));
        image = gated.image;
        mnt = gated.mnt;
        session = gated.session;
        gated.awaitInit();
        image.closeGate();
    }

    @AfterEach
    void stop() throws Exception {
        if (gated != null) {
            gated.close();
        }
    }

    /** Sixteen threads each read: all sixteen requests wait in the image, served by four reader threads. */
    @Test
    void parallelReadsWaitInTheImageNotInReaderThreads() throws Exception {
        start(false, UnaryOperator.identity());
        ExecutorService callers = Executors.newFixedThreadPool(16);
        try {
            List<Future<ByteBuffer>> reads = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                long offset = i * 65536L;
                reads.add(callers.submit(() -> {
                    try (FileChannel ch = FileChannel.open(mnt.resolve("disk.raw"))) {
                        ByteBuffer b = ByteBuffer.allocate(4096);
                        ch.read(b, offset);
                        return b.flip();
                    }
                }));
            }
            assertTrue(image.awaitWaiting(16, 30), "only " + image.waitingNow() + " of 16 reads reached the image"
                    + " at once with " + READERS + " reader threads");
            image.openGate();
            for (int i = 0; i < 16; i++) {
                ByteBuffer b = reads.get(i).get(30, TimeUnit.SECONDS);
                assertEquals(4096, b.remaining());
                assertEquals(GatedImage.expected(i * 65536L + 4095), b.get(4095), "read " + i);
            }
        } finally {
            image.openGate();
            callers.shutdownNow();
        }
    }

    /** One process with a queue of 16 O_DIRECT reads (libaio): async direct I/O brings all 16 to the image. */
    @Test
    void oneQueueOfSixteenDirectReadsReachesTheImageAtOnce() throws Exception {
        start(false, UnaryOperator.identity());
        Process fio = TestMounts.directReads(mnt, 16);
        try {
            assertTrue(image.awaitWaiting(16, 30), "only " + image.waitingNow() + " of fio's 16 queued reads"
                    + " reached the image at once");
            image.openGate();
            assertTrue(fio.waitFor(30, TimeUnit.SECONDS), "fio did not finish");
            assertEquals(0, fio.exitValue(), new String(fio.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            image.openGate();
            fio.destroyForcibly();
        }
    }

    /** A reader interrupted by a signal: the kernel sends INTERRUPT, which is counted, and nothing hangs. */
    @Test
    void interruptedReadIsAnsweredAndTheMountKeepsServing() throws Exception {
        start(false, UnaryOperator.identity());
        Process dd = new ProcessBuilder("dd", "if=" + mnt.resolve("disk.raw"), "of=/dev/null", "bs=4k", "count=1",
                "skip=100").redirectErrorStream(true).start();
        try {
            assertTrue(image.awaitWaiting(1, 30), "dd's read did not reach the image");
            // SIGTERM: SIGINT is ignored by whatever a non-interactive shell starts in the background (CI, nohup)
            dd.destroy();
            assertTrue(eventually(() -> ((Number) session.describe().get("interrupts")).longValue() >= 1),
                    "no INTERRUPT arrived: " + session.describe());
            image.openGate();
            assertTrue(dd.waitFor(30, TimeUnit.SECONDS), "dd still waits");
        } finally {
            image.openGate();
            dd.destroyForcibly();
        }
        assertEquals(GatedImage.expected(12345), TestMounts.readByte(mnt, 12345), "the mount serves after the interrupt");
    }

    /** A request nothing here serves (CREATE, then MKNOD) is answered ENOSYS and named; the mount serves on. */
    @Test
    void unknownRequestIsAnsweredEnosys() throws Exception {
        start(true, UnaryOperator.identity());
        Process touch = new ProcessBuilder("touch", mnt.resolve("new-file").toString()).redirectErrorStream(true)
                .start();
        assertTrue(touch.waitFor(30, TimeUnit.SECONDS));
        String said = new String(touch.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertNotEquals(0, touch.exitValue());
        assertTrue(said.contains("Function not implemented"), said);
        assertTrue(session.describe().get("unserved_opcodes").toString().contains("CREATE"),
                session.describe().toString());
        image.openGate();
        assertEquals(GatedImage.expected(777), TestMounts.readByte(mnt, 777));
    }

    /**
     * A reply the kernel refuses (here a STATFS reply a byte short, as a bug would make it):
     * the caller gets EIO rather than hanging, the refusal is counted, the mount serves on.
     */
    @Test
    void refusedReplyIsCountedAndTheCallerDoesNotHang() throws Exception {
        start(false, dispatcher -> r -> {
            if (r.opcode() == FuseOpcode.STATFS) {
                ByteBuffer out = r.replyRoom(80);
                for (int i = 0; i < 80; i += 8) {
                    out.putLong(i, 0);
                }
                r.reply(79);
            } else {
                dispatcher.dispatch(r);
            }
        });
        Process stat = new ProcessBuilder("stat", "-f", mnt.toString()).redirectErrorStream(true).start();
        assertTrue(stat.waitFor(30, TimeUnit.SECONDS), "statfs hangs");
        String said = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertNotEquals(0, stat.exitValue(), said);
        assertTrue(said.contains("Input/output error"), said);
        // the kernel ends the caller's request before the refused write returns to the server
        assertTrue(eventually(() -> Long.valueOf(1).equals(session.describe().get("rejected_replies"))),
                session.describe().toString());
        image.openGate();
        assertEquals(GatedImage.expected(4096), TestMounts.readByte(mnt, 4096));
    }


    /**
     * The only reader busy with a bulk request (a write), two more writes and then a read
     * queued in the kernel behind it: the read is served before the writes that came before
     * it. (disk.raw is opened direct_io with parallel direct writes: each write is a request
     * of its own, and they do not wait for each other in the kernel.)
     */
    @Test
    void aReadQueuedBehindWritesIsServedBeforeThem() throws Exception {
        List<Integer> served = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        start(true, 1, dispatcher -> r -> {
            if (r.opcode() == FuseOpcode.WRITE || r.opcode() == FuseOpcode.READ) {
                served.add(r.opcode());
            }
            if (r.opcode() == FuseOpcode.WRITE && first.compareAndSet(true, false)) {
                holding.countDown(); // the reader stays here: what comes next queues in the kernel
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            dispatcher.dispatch(r);
        });
        image.openGate();
        List<FileChannel> channels = new ArrayList<>();
        List<Thread> callers = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                channels.add(FileChannel.open(mnt.resolve("disk.raw"), StandardOpenOption.READ,
                        StandardOpenOption.WRITE));
            }
            callers.add(caller("order-write-0", () -> channels.get(0).write(ByteBuffer.allocate(4096), 0)));
            assertTrue(holding.await(30, TimeUnit.SECONDS), "the first write did not reach the reader");
            callers.add(caller("order-write-1", () -> channels.get(1).write(ByteBuffer.allocate(4096), 4096)));
            callers.add(caller("order-write-2", () -> channels.get(2).write(ByteBuffer.allocate(4096), 8192)));
            assertTrue(eventually(() -> blockedIn("order-write-1", PWRITE64) && blockedIn("order-write-2", PWRITE64)),
                    "the writes are not waiting in the kernel");
            callers.add(caller("order-read", () -> channels.get(3).read(ByteBuffer.allocate(4096), 65536)));
            assertTrue(eventually(() -> blockedIn("order-read", PREAD64)), "the read is not waiting in the kernel");
        } finally {
            release.countDown();
            for (Thread t : callers) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            for (FileChannel ch : channels) {
                ch.close();
            }
        }
        assertEquals(List.of(FuseOpcode.WRITE, FuseOpcode.READ, FuseOpcode.WRITE, FuseOpcode.WRITE), served,
                "served in this order (15: READ, 16: WRITE)");
        assertTrue(((Number) session.describe().get("prompt_requests_served_ahead")).longValue() >= 1,
                session.describe().toString());
    }

    /** A system call made through the mount. */
    private interface Call {
        void run() throws IOException;
    }

    /** A call on a thread of its own, named so that /proc shows where it waits. */
    private static Thread caller(String name, Call call) {
        Thread t = new Thread(() -> {
            try {
                call.run();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, name);
        t.start();
        return t;
    }

    /** Whether this JVM's thread of that name waits inside system call {@code number} (x86-64). */
    private static boolean blockedIn(String threadName, int number) {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                if (Files.readString(task.resolve("comm")).trim().equals(threadName)) {
                    return Files.readString(task.resolve("syscall")).startsWith(number + " ");
                }
            }
        } catch (IOException e) {
            return false; // the thread ended meanwhile
        }
        return false;
    }

    /** Polls a condition the kernel brings about on its own, until a deadline. */
    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }
}
