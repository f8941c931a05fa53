package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import org.aiofs.aio.Futures;
import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.cache.MetadataCache;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.testing.Qemu;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Allocating writers and readers of the same and of neighbouring clusters, all at once,
 * against a model. Each of four writers owns a quarter-cluster slice of every cluster (the
 * last one's slices cross into the next cluster), so all four allocate, copy on write and
 * link the same clusters and L2 tables concurrently; a fifth writes and discards whole
 * clusters next to them. Every 4-byte word written says whose slice it is and which version;
 * readers check that each word they get belongs where they read it and is no older than
 * the newest version completed before the read began (and no newer than the newest begun).
 * At the end QEMU judges: `qemu-img check` clean, `qemu-img compare` equal to the model.
 * The "tiny-cache" kinds run with a metadata cache of one byte: every table and refcount block
 * is dropped as soon as nobody holds it, and read again into a dropped table's storage. The
 * "sparse-base" kind has a backing file of holes (no slices at version 0): a new cluster gets
 * only its slice written, the rest left a hole of the file, while the other writers of the
 * cluster wait for it.
 */
class Qcow2ConcurrentStressTest extends EngineTestBase {
    private static final int WRITERS = 4;
    private static final int CLUSTERS = 40;
    private static final int CHURN = 4;
    private static final int WRITES_PER_WRITER = 500;

    @TempDir
    Path dir;

    private int cs;
    /** What the backing file holds where nobody wrote: 0x5a, or zeroes (its holes). */
    private byte untouched;
    private AtomicIntegerArray published;
    private AtomicIntegerArray started;

    @ParameterizedTest
    @ValueSource(strings = {"64k", "extended-l2", "4k-snapshot", "64k-tiny-cache", "4k-snapshot-tiny-cache",
            "64k-sparse-base"})
    @Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void readersAndAllocatingWritersAgreeWithTheModel(String kind) throws Exception {
        boolean snapshot = kind.startsWith("4k-snapshot");
        cs = snapshot ? 4096 : 65536;
        long size = (long) (CLUSTERS + 1 + CHURN) * cs;
        published = new AtomicIntegerArray(WRITERS * CLUSTERS);
        started = new AtomicIntegerArray(WRITERS * CLUSTERS);
        Path base = dir.resolve("base.raw");
        if (kind.endsWith("sparse-base")) {
            untouched = 0;
            try (RandomAccessFile f = new RandomAccessFile(base.toFile(), "rw")) {
                f.setLength(size);
            }
        } else {
            untouched = 0x5a;
            writeModel(base, size, new int[CHURN]);
        }
        String options = "cluster_size=" + cs + (kind.equals("extended-l2") ? ",extended_l2=on" : "");
        Qemu.img(dir, "create", "-f", "qcow2", "-o", options, "-b", "base.raw", "-F", "raw", "s.qcow2",
                String.valueOf(size));
        MetadataCache cache = new MetadataCache(kind.endsWith("tiny-cache") ? 1 : MetadataCache.DEFAULT_BYTES);
        ImageOpener opener = new ImageOpener(engine).withMetadataCache(cache);
        if (snapshot) {
            // half the slices at version 1 and an internal snapshot: their clusters and tables are shared
            try (BlockImage img = opener.open(dir.resolve("s.qcow2"), "qcow2", false)) {
                for (int k = 0; k < CLUSTERS / 2; k++) {
                    for (int t = 0; t < WRITERS; t++) {
                        Futures.await(img.write(sliceOffset(t, k), slice(t, k, 1)));
                        published.set(index(t, k), 1);
                        started.set(index(t, k), 1);
                    }
                }
            }
            Qemu.img(dir, "snapshot", "-c", "shared", "s.qcow2");
        }
        int[] churn = new int[CHURN];
        AtomicReference<String> readerFailure = new AtomicReference<>();
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 3);
        try (BlockImage img = opener.open(dir.resolve("s.qcow2"), "qcow2", false)) {
            AtomicBoolean writing = new AtomicBoolean(true);
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < WRITERS; t++) {
                int thread = t;
                writers.add(pool.submit((Callable<Void>) () -> {
                    writeSlices(img, thread);
                    return null;
                }));
            }
            writers.add(pool.submit((Callable<Void>) () -> {
                churn(img, churn);
                return null;
            }));
            List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                int seed = r;
                readers.add(pool.submit((Callable<Void>) () -> {
                    read(img, seed, writing, readerFailure);
                    return null;
                }));
            }
            for (Future<?> w : writers) {
                w.get();
            }
            writing.set(false);
            for (Future<?> r : readers) {
                r.get();
            }
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
        }
        assertNull(readerFailure.get());
        if (kind.endsWith("tiny-cache")) {
            assertTrue(cache.evictions() >= WRITERS * WRITES_PER_WRITER, "evictions: " + cache.evictions());
        }
        Path model = dir.resolve("model.raw");
        writeModel(model, size, churn);
        Qemu.img(dir, "check", "s.qcow2");
        Qemu.img(dir, "compare", "-f", "qcow2", "-F", "raw", "s.qcow2", model.toString());
    }

    private void writeSlices(BlockImage img, int t) throws IOException {
        Random random = new Random(t);
        for (int i = 0; i < WRITES_PER_WRITER; i++) {
            int k = random.nextInt(CLUSTERS);
            int v = published.get(index(t, k)) + 1;
            if (v > 255) {
                continue;
            }
            started.set(index(t, k), v);
            Futures.await(img.write(sliceOffset(t, k), slice(t, k, v)));
            published.set(index(t, k), v);
            if (t == 0 && i % 50 == 49) {
                Futures.await(img.flush()); // commits run among the other writers
            }
        }
    }

    /** Whole clusters next to the slices, written (byte 0xc0+n) and discarded at random. */
    private void churn(BlockImage img, int[] state) throws IOException {
        Random random = new Random(99);
        for (int i = 0; i < WRITES_PER_WRITER; i++) {
            int c = random.nextInt(CHURN);
            long at = (long) (CLUSTERS + 1 + c) * cs;
            if (random.nextInt(3) == 0) {
                Futures.await(img.discard(at, cs));
                state[c] = -1;
            } else {
                int n = 1 + random.nextInt(60);
                ByteBuffer b = ByteBuffer.allocateDirect(cs);
                for (int j = 0; j < cs; j++) {
                    b.put(j, (byte) (0xc0 + n));
                }
                Futures.await(img.write(at, b));
                state[c] = n;
            }
        }
    }

    private void read(BlockImage img, int seed, AtomicBoolean writing, AtomicReference<String> failure)
            throws IOException {
        Random random = new Random(100 + seed);
        long regionEnd = (long) CLUSTERS * cs + cs / 8;
        while (writing.get() && failure.get() == null) {
            long from = (random.nextLong(regionEnd) / 4) * 4;
            int length = (int) Math.min(regionEnd - from, 4 + random.nextInt(3 * cs) / 4 * 4);
            int[] low = new int[WRITERS * CLUSTERS];
            for (int i = 0; i < low.length; i++) {
                low[i] = published.get(i);
            }
            ByteBuffer got = ByteBuffer.allocateDirect(length);
            Futures.await(img.read(from, got));
            for (int off = 0; off < length; off += 4) {
                String wrong = check(from + off, got.getInt(off), low);
                if (wrong != null) {
                    failure.compareAndSet(null, "read of [" + from + ", +" + length + "): " + wrong);
                    return;
                }
            }
        }
    }

    /** Why the word read at {@code offset} is wrong, or null. */
    private String check(long offset, int word, int[] low) {
        long inRegion = offset - cs / 8;
        if (inRegion < 0) {
            int want = untouched * 0x01010101;
            return word == want ? null : "word at " + offset + " should be untouched, is " + hex(word);
        }
        int k = (int) (inRegion / cs);
        int t = (int) (inRegion % cs / (cs / 4));
        int i = index(t, k);
        if (word == 0 && untouched == 0 && low[i] == 0) {
            return null; // a slice at version 0 over a sparse base file: its holes
        }
        int wantOwner = ((t & 0xf) << 28) | ((k & 0xfffff) << 8);
        int v = word & 0xff;
        if ((word & ~0xff) != wantOwner) {
            return "word at " + offset + " is " + hex(word) + ", not slice (" + t + ", " + k + ")";
        }
        if (v < low[i] || v > started.get(i)) {
            return "word at " + offset + " has version " + v + "; slice (" + t + ", " + k + ") had version "
                    + low[i] + " complete when the read began, " + started.get(i) + " begun at most";
        }
        return null;
    }

    /** The disk as it must read: slices at their published versions, the churn clusters as left. */
    private void writeModel(Path path, long size, int[] churn) throws IOException {
        ByteBuffer all = ByteBuffer.allocate((int) size);
        for (int i = 0; i < size; i++) {
            all.put(i, untouched);
        }
        for (int k = 0; k < CLUSTERS; k++) {
            for (int t = 0; t < WRITERS; t++) {
                int v = published.get(index(t, k));
                if (v > 0 || untouched != 0) { // a sparse base file has no slices at version 0
                    all.put((int) sliceOffset(t, k), slice(t, k, v), 0, cs / 4);
                }
            }
        }
        for (int c = 0; c < CHURN; c++) {
            if (churn[c] != 0) {
                byte b = churn[c] < 0 ? 0 : (byte) (0xc0 + churn[c]);
                for (int j = 0; j < cs; j++) {
                    all.put((CLUSTERS + 1 + c) * cs + j, b);
                }
            }
        }
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(0);
            f.write(all.array());
        }
    }

    private long sliceOffset(int t, int k) {
        return (long) k * cs + cs / 8 + (long) t * (cs / 4);
    }

    private ByteBuffer slice(int t, int k, int v) {
        ByteBuffer b = ByteBuffer.allocateDirect(cs / 4);
        int word = ((t & 0xf) << 28) | ((k & 0xfffff) << 8) | (v & 0xff);
        for (int i = 0; i < cs / 4; i += 4) {
            b.putInt(i, word);
        }
        return b;
    }

    private static int index(int t, int k) {
        return k * WRITERS + t;
    }

    private static String hex(int w) {
        return "0x" + Integer.toHexString(w);
    }
}
