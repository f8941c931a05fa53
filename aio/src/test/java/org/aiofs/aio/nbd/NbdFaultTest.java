package org.aiofs.aio.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.nativeio.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults from real servers: errors nbdkit's error filter injects, servers killed and started
 * again with requests in flight (held there by the delay filter) or under a steady load, a
 * server that stays away longer than the reconnect delay, and one that loses the writes it
 * had acknowledged (the cache filter's write-back cache, killed before a flush).
 */
class NbdFaultTest {
    private static final int SIZE = 8 << 20;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private final Random random = new Random(5);
    private final LogLines log = new LogLines();

    @Test
    void aServerErrorReachesTheCallerAndTheConnectionStays() throws Exception {
        Path trigger = dir.resolve("fail-reads");
        try (NbdServer server = NbdServer.nbdkit(dir, false, "--filter=error", "memory", "size=" + SIZE,
                "error-pread-rate=100%", "error-pread-file=" + trigger).start();
             HostFile file = connect(server.uri(), false)) {
            IoEngine engine = file.remote().engine();
            Files.createFile(trigger);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> engine.submit(new IoRequest.Read(file, 0, ByteBuffer.allocate(4096)))
                            .get(60, TimeUnit.SECONDS));
            NbdException error = assertInstanceOf(NbdException.class, e.getCause());
            assertEquals(Errno.EIO, error.errno());
            assertTrue(error.getMessage().contains("read of 4096 bytes at 0 failed on the server"), error.getMessage());
            Files.delete(trigger);
            assertEquals(4096, Futures.await(engine.submit(new IoRequest.Read(file, 0, ByteBuffer.allocate(4096)))));
            assertEquals(List.of(), log.lines(), "an error reply is no reason to reconnect");
        }
    }

    @Test
    void aServerShuttingDownIsLeftAndTheRequestSentAgain() throws Exception {
        Path trigger = dir.resolve("shutting-down");
        try (NbdServer server = NbdServer.nbdkit(dir, false, "--filter=error", "memory", "size=" + SIZE,
                "error-pread=ESHUTDOWN", "error-pread-rate=100%", "error-pread-file=" + trigger).start();
             HostFile file = connect(server.uri(), false)) {
            IoEngine engine = file.remote().engine();
            byte[] data = bytes(65536);
            Futures.await(engine.submit(new IoRequest.Write(file, 65536, ByteBuffer.wrap(data))));
            Files.createFile(trigger);
            ByteBuffer back = ByteBuffer.allocate(data.length);
            CompletableFuture<Long> read = engine.submit(new IoRequest.Read(file, 65536, back));
            log.await(l -> l.contains("lost the connection"), WAIT);
            Files.delete(trigger);
            assertEquals(data.length, read.get(60, TimeUnit.SECONDS));
            assertArrayEquals(data, back.array());
        }
    }

    @Test
    void requestsInFlightSurviveAServerKilledAndStartedAgain() throws Exception {
        Path image = dir.resolve("disk.img");
        byte[] original = bytes(SIZE);
        Files.write(image, original);
        try (NbdServer server = NbdServer.nbdkit(dir, true, "--filter=delay", "file", "file=" + image,
                "rdelay=300ms", "wdelay=300ms").start();
             HostFile file = connect(server.uri(), false)) {
            IoEngine engine = file.remote().engine();
            List<CompletableFuture<Long>> reads = new ArrayList<>();
            List<ByteBuffer> readBuffers = new ArrayList<>();
            List<CompletableFuture<Long>> writes = new ArrayList<>();
            byte[] model = original.clone();
            for (int i = 0; i < 16; i++) {
                ByteBuffer b = ByteBuffer.allocate(65536);
                readBuffers.add(b);
                reads.add(engine.submit(new IoRequest.Read(file, i * 131072L, b)));
                byte[] data = bytes(65536);
                System.arraycopy(data, 0, model, i * 131072 + 65536, data.length);
                writes.add(engine.submit(new IoRequest.Write(file, i * 131072L + 65536, ByteBuffer.wrap(data))));
            }
            server.kill(); // every request above is held by the delay filter: in flight
            server.start();
            for (int i = 0; i < 16; i++) {
                assertEquals(65536, reads.get(i).get(60, TimeUnit.SECONDS));
                assertArrayEquals(Arrays.copyOfRange(original, i * 131072, i * 131072 + 65536),
                        readBuffers.get(i).array(), "read " + i);
                assertEquals(65536, writes.get(i).get(60, TimeUnit.SECONDS));
            }
            Futures.await(engine.submit(new IoRequest.Flush(file, true)));
            assertArrayEquals(model, Files.readAllBytes(image));
            assertEquals(1, log.count(l -> l.contains("lost the connection")), log.lines().toString());
            assertEquals(1, log.count(l -> l.contains("reconnected after")), log.lines().toString());
        }
    }

    @Test
    void aLoadSurvivesQemuNbdKilledAndStartedAgain() throws Exception {
        Path image = dir.resolve("disk.img");
        byte[] model = bytes(SIZE);
        Files.write(image, model);
        try (NbdServer server = NbdServer.qemuNbd(dir, false, image, "raw").start();
             HostFile file = connect(server.uri(), false)) {
            IoEngine engine = file.remote().engine();
            Semaphore progress = new Semaphore(0);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread load = new Thread(() -> {
                Random r = new Random(99);
                try {
                    while (!stop.get()) {
                        int length = 512 + r.nextInt(64 << 10);
                        int at = r.nextInt(SIZE - length);
                        if (r.nextBoolean()) {
                            byte[] data = new byte[length];
                            r.nextBytes(data);
                            Futures.await(engine.submit(new IoRequest.Write(file, at, ByteBuffer.wrap(data))));
                            synchronized (model) {
                                System.arraycopy(data, 0, model, at, length);
                            }
                        } else {
                            ByteBuffer b = ByteBuffer.allocate(length);
                            Futures.await(engine.submit(new IoRequest.Read(file, at, b)));
                            synchronized (model) {
                                assertArrayEquals(Arrays.copyOfRange(model, at, at + length), b.array(),
                                        "read at " + at);
                            }
                        }
                        progress.release();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                    progress.release(1_000_000);
                }
            });
            load.start();
            for (int restart = 0; restart < 3; restart++) {
                assertTrue(progress.tryAcquire(200, 60, TimeUnit.SECONDS), "the load stalled");
                server.kill();
                server.start();
            }
            assertTrue(progress.tryAcquire(200, 60, TimeUnit.SECONDS), "the load stalled after the last restart");
            stop.set(true);
            load.join();
            assertEquals(null, failure.get());
            Futures.await(engine.submit(new IoRequest.Flush(file, true)));
            assertArrayEquals(model, Files.readAllBytes(image));
            assertEquals(3, log.count(l -> l.contains("reconnected after")), log.lines().toString());
        }
    }

    @Test
    void requestsFailAfterTheReconnectDelayAndWorkOnceTheServerIsBack() throws Exception {
        Path image = dir.resolve("disk.img");
        byte[] data = bytes(SIZE);
        Files.write(image, data);
        NbdServer server = NbdServer.nbdkit(dir, false, "file", "file=" + image).start();
        try (server; HostFile file = connect(server.uri("x-reconnect-delay=1"), true)) {
            IoEngine engine = file.remote().engine();
            long start = System.nanoTime(); // the outage starts here: requests wait until 1 s after it
            server.kill(); // nbdkit's SIGTERM waits for its clients to leave
            ExecutionException e = assertThrows(ExecutionException.class, () -> engine.submit(
                    new IoRequest.Read(file, 0, ByteBuffer.allocate(4096))).get(60, TimeUnit.SECONDS));
            NbdException error = assertInstanceOf(NbdException.class, e.getCause());
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(900), "failed before the delay: "
                    + error.getMessage() + " " + log.lines());
            assertEquals(Errno.EIO, error.errno());
            assertTrue(error.getMessage().contains("the server is unreachable"), error.getMessage());
            log.await(l -> l.contains("still unreachable after 1 s"), WAIT);
            // past the delay, requests fail at once rather than wait
            assertThrows(ExecutionException.class, () -> engine.submit(
                    new IoRequest.Read(file, 0, ByteBuffer.allocate(4096))).get(1, TimeUnit.SECONDS));
            server.start();
            log.await(l -> l.contains("reconnected after"), WAIT);
            ByteBuffer back = ByteBuffer.allocate(4096);
            assertEquals(4096, Futures.await(engine.submit(new IoRequest.Read(file, 8192, back))));
            assertArrayEquals(Arrays.copyOfRange(data, 8192, 8192 + 4096), back.array());
        }
    }

    @Test
    void acknowledgedWritesAreWrittenAgainToAServerThatLostThem() throws Exception {
        Path image = dir.resolve("disk.img");
        byte[] model = bytes(SIZE);
        Files.write(image, model);
        // the cache filter keeps writes in a cache until a flush: killed before one, it loses them
        try (NbdServer server = NbdServer.nbdkit(dir, false, "--filter=cache", "file", "file=" + image,
                "cache=writeback").start();
             HostFile file = connect(server.uri(), false)) {
            IoEngine engine = file.remote().engine();
            for (int i = 0; i < 20; i++) {
                byte[] data = bytes(1 + random.nextInt(100_000));
                int at = random.nextInt(SIZE - data.length);
                System.arraycopy(data, 0, model, at, data.length);
                Futures.await(engine.submit(new IoRequest.Write(file, at, ByteBuffer.wrap(data))));
            }
            Futures.await(engine.submit(new IoRequest.ZeroRange(file, 4096, 8192)));
            Arrays.fill(model, 4096, 4096 + 8192, (byte) 0);
            server.kill();
            server.start();
            Futures.await(engine.submit(new IoRequest.Flush(file, true)));
            assertArrayEquals(model, Files.readAllBytes(image), "acknowledged writes lost with the server's cache");
            String line = log.await(l -> l.contains("reconnected after"), WAIT);
            assertTrue(line.contains("21 unflushed write(s) written again"), line);
        }
    }

    private HostFile connect(String uri, boolean readOnly) throws IOException {
        return HostFile.ofExport(NbdClient.connect(NbdUri.parse(uri), readOnly, false, log));
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
