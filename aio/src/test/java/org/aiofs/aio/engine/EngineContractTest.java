package org.aiofs.aio.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.aiofs.aio.BufferPool;
import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.nativeio.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every engine keeps, checked against plain Java file I/O. Subclasses name
 * the engine and whether files are opened O_DIRECT (then positions and buffers are
 * aligned; buffered runs use odd positions and a mix of heap and direct buffers).
 * Files live in /var/tmp: ext4 here, where O_DIRECT means what it says.
 */
abstract class EngineContractTest {
    private static final int BLOCK = 4096;

    protected abstract IoEngine newEngine() throws IOException;

    protected abstract boolean direct();

    /** The file under test, as the engine sees it: by default the local file, opened as asked. */
    protected HostFile openFile(Path path, boolean readOnly) throws IOException {
        return HostFile.open(path, readOnly, direct());
    }

    /** The engine for that file: by default a new one from {@link #newEngine()}. */
    protected IoEngine engineFor(HostFile file) throws IOException {
        return newEngine();
    }

    /** Called after the engine and the file are closed. */
    protected void cleanUp() throws IOException {
    }

    private Path dir;
    private Path path;
    private IoEngine engine;
    private HostFile file;
    private final Random random = new Random(42);

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "aiofs-engine-test");
        path = dir.resolve("host.img");
        Files.write(path, randomBytes(64 * BLOCK));
        file = openFile(path, false);
        engine = engineFor(file);
    }

    @AfterEach
    void tearDown() throws IOException {
        try {
            if (engine != null) {
                engine.close();
            }
            if (file != null) {
                file.close();
            }
        } finally {
            cleanUp();
            Files.deleteIfExists(path);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void vectoredWriteLandsWhereJavaReadsIt() throws Exception {
        long position = direct() ? 3 * BLOCK : 12_345;
        byte[] data = randomBytes(direct() ? 3 * BLOCK : 3 * 1000 + 17);
        ByteBuffer[] pieces = split(data, direct() ? new int[] {BLOCK, 2 * BLOCK} : new int[] {1000, 2017, 0});
        long written = Futures.await(engine.submit(new IoRequest.Write(file, position, pieces)));
        assertEquals(data.length, written);
        assertArrayEquals(data, javaRead(position, data.length));
        for (ByteBuffer b : pieces) {
            assertEquals(0, b.position(), "engine must not move buffer positions");
        }
    }

    @Test
    void vectoredReadReturnsWhatJavaWrote() throws Exception {
        long position = direct() ? 5 * BLOCK : 7_777;
        byte[] data = randomBytes(direct() ? 4 * BLOCK : 5000);
        javaWrite(position, data);
        int[] sizes = direct() ? new int[] {BLOCK, 2 * BLOCK, BLOCK} : new int[] {1, 2999, 2000};
        ByteBuffer[] pieces = split(new byte[data.length], sizes);
        long read = Futures.await(engine.submit(new IoRequest.Read(file, position, pieces)));
        assertEquals(data.length, read);
        assertArrayEquals(data, join(pieces));
    }

    @Test
    void batchOfWritesAllComplete() throws Exception {
        int count = 40;
        int size = direct() ? BLOCK : 301;
        List<IoRequest> batch = new ArrayList<>();
        byte[][] data = new byte[count][];
        for (int i = 0; i < count; i++) {
            data[i] = randomBytes(size);
            batch.add(new IoRequest.Write(file, (long) i * (direct() ? BLOCK : 509), split(data[i], new int[] {size})));
        }
        List<CompletableFuture<Long>> results = engine.submitBatch(batch);
        assertEquals(count, results.size());
        for (CompletableFuture<Long> r : results) {
            assertEquals(size, Futures.await(r));
        }
        for (int i = 0; i < count; i++) {
            assertArrayEquals(data[i], javaRead((long) i * (direct() ? BLOCK : 509), size), "write " + i);
        }
    }

    @Test
    void barrierRunsTheFlushAfterTheWrites() throws Exception {
        List<IoRequest> batch = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            batch.add(new IoRequest.Write(file, (long) i * BLOCK, split(randomBytes(BLOCK), new int[] {BLOCK})));
        }
        batch.add(new IoRequest.Barrier());
        batch.add(new IoRequest.Flush(file, false));
        List<CompletableFuture<Long>> results = engine.submitBatch(batch);
        List<CompletableFuture<Long>> writes = results.subList(0, 16);
        CompletableFuture<Boolean> writesDoneAtFlush = results.get(17)
                .thenApply(x -> writes.stream().allMatch(CompletableFuture::isDone));
        CompletableFuture<Boolean> writesDoneAtBarrier = results.get(16)
                .thenApply(x -> writes.stream().allMatch(CompletableFuture::isDone));
        assertTrue(writesDoneAtFlush.get(30, TimeUnit.SECONDS), "flush completed before the writes it follows");
        assertTrue(writesDoneAtBarrier.get(30, TimeUnit.SECONDS), "barrier completed before the writes");
        assertEquals(0L, Futures.await(results.get(17)));
    }

    /** qcow2 links an L2 entry after a barrier only if its data landed: a failure must stop what follows. */
    @Test
    void nothingAfterABarrierRunsWhenARequestBeforeItFailed() throws Exception {
        byte[] before = javaRead(0, BLOCK);
        try (HostFile readOnly = openFile(path, true)) {
            List<IoRequest> batch = List.of(
                    new IoRequest.Write(readOnly, BLOCK, split(randomBytes(BLOCK), new int[] {BLOCK})),
                    new IoRequest.Barrier(),
                    new IoRequest.Write(file, 0, split(randomBytes(BLOCK), new int[] {BLOCK})));
            List<CompletableFuture<Long>> results = engine.submitBatch(batch);
            for (CompletableFuture<Long> r : results) {
                assertThrows(ExecutionException.class, () -> r.get(30, TimeUnit.SECONDS));
            }
        }
        assertArrayEquals(before, javaRead(0, BLOCK), "the write after the barrier ran");
    }

    @Test
    void writeToReadOnlyFileFailsWithEbadf() throws Exception {
        try (HostFile readOnly = openFile(path, true)) {
            CompletableFuture<Long> result = engine.submit(
                    new IoRequest.Write(readOnly, 0, split(randomBytes(BLOCK), new int[] {BLOCK})));
            ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(30, TimeUnit.SECONDS));
            HostIoException io = assertInstanceOf(HostIoException.class, Futures.asIoException(e));
            assertEquals(Errno.EBADF, io.errno(), io.getMessage());
        }
    }

    @Test
    void readPastEndOfFileReturnsFewerBytes() throws Exception {
        long size = Files.size(path);
        ByteBuffer twoBlocks = split(new byte[2 * BLOCK], new int[] {2 * BLOCK})[0];
        long read = Futures.await(engine.submit(new IoRequest.Read(file, size - BLOCK, twoBlocks)));
        assertEquals(BLOCK, read);
        assertArrayEquals(javaRead(size - BLOCK, BLOCK), Arrays.copyOf(join(new ByteBuffer[] {twoBlocks}), BLOCK));
        ByteBuffer beyond = split(new byte[BLOCK], new int[] {BLOCK})[0];
        assertEquals(0L, Futures.await(engine.submit(new IoRequest.Read(file, size + BLOCK, beyond))));
    }

    @Test
    void zeroRangeAndPunchHoleReadAsZeroes() throws Exception {
        Futures.await(engine.submit(new IoRequest.ZeroRange(file, 2 * BLOCK, 2 * BLOCK)));
        Futures.await(engine.submit(new IoRequest.PunchHole(file, 8 * BLOCK, BLOCK)));
        assertArrayEquals(new byte[2 * BLOCK], javaRead(2 * BLOCK, 2 * BLOCK));
        assertArrayEquals(new byte[BLOCK], javaRead(8 * BLOCK, BLOCK));
        assertEquals(64L * BLOCK, Files.size(path), "size must not change");
    }

    @Test
    void callbacksThatSubmitMoreWorkKeepRunning() throws Exception {
        // Each completion submits the next read from inside its callback (on the engine's own
        // thread): the pattern of a queue-depth driver. Nothing may be lost, nothing may hang.
        int chains = 16;
        int perChain = 250;
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(chains);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        for (int c = 0; c < chains; c++) {
            ByteBuffer buffer = split(new byte[BLOCK], new int[] {BLOCK})[0];
            chain(buffer, c, perChain, done, failure);
        }
        assertTrue(done.await(60, TimeUnit.SECONDS), "chained submissions stalled");
        assertEquals(null, failure.get());
    }

    private void chain(ByteBuffer buffer, int chain, int left, java.util.concurrent.CountDownLatch done,
                       java.util.concurrent.atomic.AtomicReference<Throwable> failure) {
        engine.submit(new IoRequest.Read(file, (long) ((chain * 7 + left) % 64) * BLOCK, buffer))
                .whenComplete((n, e) -> {
                    if (e != null || n != BLOCK) {
                        failure.compareAndSet(null, e != null ? e : new AssertionError("read " + n + " bytes"));
                        done.countDown();
                    } else if (left == 1) {
                        done.countDown();
                    } else {
                        chain(buffer, chain, left - 1, done, failure);
                    }
                });
    }

    @Test
    void closeWithRequestsInFlightNeverHangs() throws Exception {
        List<CompletableFuture<Long>> inFlight = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            inFlight.add(engine.submit(new IoRequest.Write(file, (long) (i % 64) * BLOCK,
                    split(randomBytes(BLOCK), new int[] {BLOCK}))));
        }
        assertTimeoutPreemptively(Duration.ofSeconds(30), engine::close);
        for (CompletableFuture<Long> f : inFlight) {
            assertTrue(f.isDone(), "a request was left pending by close");
        }
        CompletableFuture<Long> after = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> engine.submit(new IoRequest.Flush(file, true)));
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try {
                after.get();
            } catch (ExecutionException expected) {
                // refusing work after close is fine; hanging is not
            }
        });
    }

    private ByteBuffer[] split(byte[] data, int[] sizes) {
        ByteBuffer[] out = new ByteBuffer[sizes.length];
        int at = 0;
        for (int i = 0; i < sizes.length; i++) {
            ByteBuffer b;
            if (direct()) {
                b = BufferPool.allocate(sizes[i], BLOCK).limit(sizes[i]);
            } else {
                b = i % 2 == 0 ? ByteBuffer.allocate(sizes[i] + 3).position(3).slice()
                        : ByteBuffer.allocateDirect(sizes[i] + 5).position(5).slice();
            }
            b.put(data, at, sizes[i]).flip();
            at += sizes[i];
            out[i] = b;
        }
        return out;
    }

    private static byte[] join(ByteBuffer[] pieces) {
        ByteBuffer all = ByteBuffer.allocate((int) IoRequest.totalRemaining(pieces));
        for (ByteBuffer b : pieces) {
            all.put(b.duplicate());
        }
        return all.array();
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private byte[] javaRead(long position, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(position);
            f.readFully(b);
            return b;
        }
    }

    private void javaWrite(long position, byte[] data) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.seek(position);
            f.write(data);
        }
    }
}
