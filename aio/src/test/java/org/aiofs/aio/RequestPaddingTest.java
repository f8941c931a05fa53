package org.aiofs.aio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.aiofs.aio.engine.ThreadPoolEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests of any offset, length and buffer on a file opened O_DIRECT (in /var/tmp: ext4,
 * where O_DIRECT refuses unaligned requests) land as plain Java file I/O sees them, and
 * writes that share sectors from many threads lose nothing.
 */
class RequestPaddingTest {
    private static final int SIZE = 1 << 20;

    private Path dir;
    private Path path;
    private IoEngine engine;
    private HostFile file;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "aiofs-padding-test");
        path = dir.resolve("direct.img");
        byte[] initial = new byte[SIZE];
        new Random(1).nextBytes(initial);
        Files.write(path, initial);
        engine = new RequestPadding(new ThreadPoolEngine(4));
        file = HostFile.open(path, false, true);
    }

    @AfterEach
    void tearDown() throws IOException {
        try {
            engine.close();
            file.close();
        } finally {
            Files.deleteIfExists(path);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void unalignedRequestsLandWhereJavaReadsThem() throws Exception {
        byte[] model = Files.readAllBytes(path);
        Random random = new Random(7);
        for (int i = 0; i < 400; i++) {
            long at = random.nextInt(SIZE - 70_000);
            int length = 1 + random.nextInt(66_000);
            if (random.nextBoolean()) {
                byte[] data = new byte[length];
                random.nextBytes(data);
                Futures.await(engine.submit(new IoRequest.Write(file, at, buffers(data, random))));
                System.arraycopy(data, 0, model, (int) at, length);
            } else {
                ByteBuffer[] got = buffers(new byte[length], random);
                long n = Futures.await(engine.submit(new IoRequest.Read(file, at, got)));
                assertEquals(length, n);
                byte[] flat = new byte[length];
                ByteBuffer f = ByteBuffer.wrap(flat);
                for (ByteBuffer b : got) {
                    f.put(b.duplicate());
                }
                assertArrayEquals(java.util.Arrays.copyOfRange(model, (int) at, (int) at + length), flat,
                        "read of " + length + " bytes at " + at);
            }
        }
        assertArrayEquals(model, Files.readAllBytes(path));
        // past the end: a short read, and a write that extends the file
        ByteBuffer tail = ByteBuffer.allocate(1000);
        assertEquals(100, Futures.await(engine.submit(new IoRequest.Read(file, SIZE - 100, tail))));
        Futures.await(engine.submit(new IoRequest.Write(file, SIZE + 10, ByteBuffer.wrap(new byte[] {9, 8, 7}))));
        byte[] after = Files.readAllBytes(path);
        assertArrayEquals(new byte[] {0, 9, 8, 7}, java.util.Arrays.copyOfRange(after, SIZE + 9, SIZE + 13));
    }

    /**
     * Eight threads, each owning every eighth 64-byte piece, write their pieces over and over:
     * every 512-byte sector is shared by all of them, so each write is a read-modify-write
     * racing seven others. Without serialising them, pieces get lost.
     */
    @Test
    void writesSharingSectorsLoseNothing() throws Exception {
        int threads = 8;
        int piece = 64;
        int region = 64 * 1024;
        byte[][] last = new byte[region / piece][];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int owner = t;
                done.add(pool.submit(() -> {
                    Random random = new Random(owner);
                    List<Integer> mine = new ArrayList<>();
                    for (int p = owner; p < region / piece; p += threads) {
                        mine.add(p);
                    }
                    java.util.Collections.shuffle(mine, random);
                    List<CompletableFuture<Long>> inFlight = new ArrayList<>();
                    for (int i = 0; i < 400; i++) {
                        int p = mine.get(i % mine.size());
                        byte[] data = new byte[piece];
                        random.nextBytes(data);
                        last[p] = data;
                        inFlight.add(engine.submit(new IoRequest.Write(file, (long) p * piece, ByteBuffer.wrap(data))));
                        if (inFlight.size() == 8) { // queue depth 8, eight different pieces
                            Futures.awaitAll(inFlight);
                            inFlight.clear();
                        }
                    }
                    Futures.awaitAll(inFlight);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        byte[] after = Files.readAllBytes(path);
        for (int p = 0; p < last.length; p++) {
            if (last[p] != null) {
                assertArrayEquals(last[p], java.util.Arrays.copyOfRange(after, p * piece, (p + 1) * piece),
                        "piece " + p + " (owned by thread " + p % threads + ")");
            }
        }
    }

    @Test
    void alignedRequestsGoStraightThrough() throws Exception {
        List<IoRequest> seen = new CopyOnWriteArrayList<>();
        IoEngine recording = new ForwardingEngine(new ThreadPoolEngine(1)) {
            @Override
            public CompletableFuture<Long> submit(IoRequest request) {
                seen.add(request);
                return inner.submit(request);
            }
        };
        try (IoEngine padded = new RequestPadding(recording)) {
            IoRequest.Read read = new IoRequest.Read(file, 8192, BufferPool.allocate(4096, 4096));
            Futures.await(padded.submit(read));
            IoRequest.Write write = new IoRequest.Write(file, 4096, BufferPool.allocate(8192, 4096));
            Futures.await(padded.submit(write));
            assertSame(read, seen.get(0));
            assertSame(write, seen.get(1));
            assertEquals(2, seen.size());
        }
    }

    /** The data as one heap buffer, one direct buffer at an odd address, or several pieces. */
    private static ByteBuffer[] buffers(byte[] data, Random random) {
        switch (random.nextInt(3)) {
            case 0:
                return new ByteBuffer[] {ByteBuffer.wrap(data)};
            case 1: {
                ByteBuffer d = ByteBuffer.allocateDirect(data.length + 3).position(3).slice();
                d.put(data).clear();
                return new ByteBuffer[] {d};
            }
            default: {
                int cut = data.length / 3;
                return new ByteBuffer[] {ByteBuffer.wrap(data, 0, cut).slice(),
                        ByteBuffer.allocateDirect(data.length - cut).put(data, cut, data.length - cut).flip()};
            }
        }
    }
}
