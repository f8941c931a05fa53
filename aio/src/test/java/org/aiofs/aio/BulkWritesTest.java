package org.aiofs.aio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bulk buffered writes into one file go one at a time (BlockingIo): while one holds the file's
 * bulk-write lock, another waits, parked; short writes and direct writes do not wait.
 */
class BulkWritesTest {
    private static final int BULK = BlockingIo.BULK_WRITE_BYTES;

    @TempDir
    Path dir;

    private final ExecutorService writer = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopWriter() {
        writer.shutdownNow();
    }

    @Test
    void aBulkBufferedWriteWaitsForTheOneInProgress() throws Exception {
        try (HostFile file = HostFile.open(Files.createFile(dir.resolve("image")), false, false)) {
            ReentrantLock inProgress = file.bulkWrites();
            inProgress.lock(); // as a bulk write being copied would
            Future<Long> bulk;
            try {
                bulk = writer.submit(() -> BlockingIo.execute(new IoRequest.Write(file, 0, filled(BULK, 7))));
                awaitQueued(inProgress);
                assertEquals(BULK - 1, BlockingIo.execute(new IoRequest.Write(file, 4 * BULK, filled(BULK - 1, 9))),
                        "a short write does not wait");
                assertFalse(bulk.isDone(), "the bulk write went ahead while another held the file");
            } finally {
                inProgress.unlock();
            }
            assertEquals(BULK, bulk.get(30, TimeUnit.SECONDS));
            ByteBuffer back = ByteBuffer.allocateDirect(BULK);
            BlockingIo.execute(new IoRequest.Read(file, 0, back));
            assertArrayEquals(bytes(filled(BULK, 7)), bytes(back), "what the bulk write wrote");
        }
    }

    @Test
    void directWritesDoNotWait() throws Exception {
        Path path = Files.createFile(dir.resolve("image"));
        try (HostFile file = HostFile.open(path, false, true)) {
            ReentrantLock inProgress = file.bulkWrites();
            inProgress.lock();
            try {
                ByteBuffer aligned = ByteBuffer.allocateDirect(2 * BULK + file.alignment()).alignedSlice(
                        file.alignment()).limit(2 * BULK);
                Future<Long> direct = writer.submit(() -> BlockingIo.execute(new IoRequest.Write(file, 0, aligned)));
                assertEquals(2 * BULK, direct.get(30, TimeUnit.SECONDS));
            } finally {
                inProgress.unlock();
            }
        }
    }

    /** Until a thread waits for the lock: a state, not a time. */
    private static void awaitQueued(ReentrantLock lock) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!lock.hasQueuedThreads()) {
            assertTrue(System.nanoTime() < deadline, "the bulk write never waited for the lock");
            Thread.onSpinWait();
        }
    }

    private static ByteBuffer filled(int length, int value) {
        ByteBuffer b = ByteBuffer.allocateDirect(length);
        byte[] content = new byte[length];
        Arrays.fill(content, (byte) value);
        return b.put(content).flip();
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
