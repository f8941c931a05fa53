package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.aiofs.aio.Futures;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.ImageException;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.EngineTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent writers, the overlap check, and the header bits a writable open must respect. */
class Qcow2WriteSafetyTest extends EngineTestBase {
    @TempDir
    Path dir;

    private BlockImage openWritable(String image) throws IOException {
        return new ImageOpener(engine).open(dir.resolve(image), "qcow2", false);
    }

    /**
     * Four threads: each writes its own 1 KiB slice of every cluster (so all four race to
     * allocate the same clusters), and all four write whole 4 KiB blocks of one shared region.
     */
    @Test
    void fourThreadsDisjointAndOverlapping() throws Exception {
        int cs = 65536;
        Qemu.img(dir, "create", "-f", "raw", "base.raw", "16M");
        Qemu.io(dir.resolve("base.raw"), "raw", "write -P 0x5a 0 16M");
        Qemu.img(dir, "create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", "t.qcow2", "16M");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (BlockImage img = openWritable("t.qcow2")) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(pool.submit((Callable<Void>) () -> {
                    start.await();
                    for (int c = 0; c < 128; c++) {
                        long at = (long) c * cs + thread * 1024L;
                        Futures.await(img.write(at, block(1024, thread, c)));
                        long shared = (12L << 20) + (long) ((c * 7 + thread) % 64) * 4096;
                        Futures.await(img.write(shared, block(4096, thread, (int) (shared >> 12))));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
            for (int c = 0; c < 128; c++) {
                for (int t = 0; t < 4; t++) {
                    ByteBuffer got = ByteBuffer.allocate(1024);
                    Futures.await(img.read((long) c * cs + t * 1024L, got));
                    assertEquals(block(1024, t, c), got, "cluster " + c + " slice of thread " + t);
                }
                ByteBuffer rest = ByteBuffer.allocate(cs - 4096);
                Futures.await(img.read((long) c * cs + 4096, rest));
                ByteBuffer backing = ByteBuffer.allocate(cs - 4096);
                while (backing.hasRemaining()) {
                    backing.put((byte) 0x5a);
                }
                assertEquals(backing.flip(), rest, "untouched part of cluster " + c + " from backing");
            }
            for (int b = 0; b < 64; b++) {
                long at = (12L << 20) + b * 4096L;
                ByteBuffer got = ByteBuffer.allocate(4096);
                Futures.await(img.read(at, got));
                boolean one = false;
                for (int t = 0; t < 4; t++) {
                    one |= got.equals(block(4096, t, (int) (at >> 12)));
                }
                assertTrue(one, "block at " + at + " holds exactly one thread's write");
            }
        } finally {
            pool.shutdown();
        }
        Qemu.img(dir, "check", "t.qcow2");
        // QEMU reads what the driver reads
        Path expected = Qemu.toRaw(dir.resolve("t.qcow2"));
        try (BlockImage img = new ImageOpener(engine).open(dir.resolve("t.qcow2"), null, true)) {
            DiskComparison.assertSameAsRaw(img, expected);
        }
    }

    /** Four random workloads at once in four regions of one image (sharing L2 tables and refcount blocks). */
    @Test
    void fourConcurrentWorkloads() throws Exception {
        Qemu.img(dir, "create", "-f", "raw", "base.raw", "16M");
        Qemu.io(dir.resolve("base.raw"), "raw", "write -P 0x5a 0 16M");
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=4096", "-b", "base.raw", "-F", "raw", "w.qcow2",
                "16M");
        Qemu.io(dir.resolve("w.qcow2"), "qcow2", "write -P 1 0 3M", "write -c -P 2 5M 2M");
        Qemu.img(dir, "snapshot", "-c", "s", "w.qcow2");
        Path model = Qemu.toRaw(dir.resolve("w.qcow2"));
        ImageOpener opener = new ImageOpener(engine);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (BlockImage img = opener.open(dir.resolve("w.qcow2"), "qcow2", false);
                BlockImage raw = opener.open(model, "raw", false)) {
            List<Future<?>> done = new ArrayList<>();
            long region = 4L << 20;
            for (int t = 0; t < 4; t++) {
                long base = t * region;
                int seed = t;
                done.add(pool.submit((Callable<Void>) () -> {
                    new WriteWorkload(100 + seed, 4096).run(img, raw, 60, base, region);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            DiskComparison.assertSameAsRaw(img, model);
        } finally {
            pool.shutdown();
        }
        Qemu.img(dir, "check", "w.qcow2");
        Qemu.img(dir, "compare", "-f", "qcow2", "-F", "raw", "w.qcow2", model.toString());
    }

    private static ByteBuffer block(int size, int thread, int salt) {
        ByteBuffer b = ByteBuffer.allocate(size);
        for (int i = 0; i < size; i++) {
            b.put(i, (byte) (thread * 61 + salt * 7 + i / 64 + 1));
        }
        return b;
    }

    /** An L2 entry pointing at the L1 table: the write fails with EIO and the image is marked corrupt. */
    @Test
    void overlapWithTheL1TableMarksTheImageCorrupt() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "o.qcow2", "4M");
        Qemu.io(dir.resolve("o.qcow2"), "qcow2", "write -P 1 0 64k");
        Path image = dir.resolve("o.qcow2");
        long l1 = ImageDamage.getLong(image, 40);
        long l2 = ImageDamage.getLong(image, l1) & L2Entry.OFFSET_MASK;
        ImageDamage.putLong(image, l2, l1 | L2Entry.COPIED);
        byte[] l1Before = Files.readAllBytes(image);
        BlockImage img = openWritable("o.qcow2");
        IOException e = assertThrows(IOException.class, () -> Futures.await(img.write(512, ByteBuffer.allocate(4096))));
        ImageException ie = (ImageException) e;
        assertEquals(Errno.EIO, ie.errno());
        assertTrue(ie.getMessage().contains("corrupt") && ie.getMessage().contains("ACTIVE_L1"), ie.getMessage());
        // and every later write too, anywhere
        IOException later = assertThrows(IOException.class,
                () -> Futures.await(img.write(2 << 20, ByteBuffer.allocate(512))));
        assertEquals(Errno.EIO, ((ImageException) later).errno());
        assertClosesNotCleanly(img);
        byte[] after = Files.readAllBytes(image);
        for (long i = l1; i < l1 + 512; i++) {
            assertEquals(l1Before[(int) i], after[(int) i], "L1 table byte " + i + " untouched");
        }
        String info = Tool.ok(dir, "qemu-img", "info", "--output=json", "o.qcow2");
        assertTrue(info.replace(" ", "").contains("\"corrupt\":true"), info);
        // a corrupt image is not opened for writing again
        ImageException refused = assertThrows(ImageException.class, () -> openWritable("o.qcow2"));
        assertTrue(refused.getMessage().contains("corrupt"), refused.getMessage());
    }

    /** Refcounts that call the L1 table free: allocation refuses it rather than overwrite the table. */
    @Test
    void metadataWithRefcountZeroIsNeverAllocated() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "z.qcow2", "4M");
        Path image = dir.resolve("z.qcow2");
        long l1 = ImageDamage.getLong(image, 40);
        long refcountTable = ImageDamage.getLong(image, 48);
        long block = ImageDamage.getLong(image, refcountTable);
        long entry = block + (l1 >> 16) * 2; // 64 KiB clusters, 16-bit refcounts
        ImageDamage.putByte(image, entry, 0);
        ImageDamage.putByte(image, entry + 1, 0);
        BlockImage img = openWritable("z.qcow2");
        IOException e = assertThrows(IOException.class, () -> Futures.await(img.write(0, ByteBuffer.allocate(512))));
        assertEquals(Errno.EIO, ((ImageException) e).errno());
        assertTrue(e.getMessage().contains("refcount 0 but holds ACTIVE_L1"), e.getMessage());
        assertClosesNotCleanly(img);
        String info = Tool.ok(dir, "qemu-img", "info", "--output=json", "z.qcow2");
        assertTrue(info.replace(" ", "").contains("\"corrupt\":true"), info);
    }

    @Test
    void dirtyImageIsRepairedOnAWritableOpen() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "lazy_refcounts=on", "d.qcow2", "4M");
        Qemu.io(dir.resolve("d.qcow2"), "qcow2", "write -P 0x5a 0 1M");
        long flags = ImageDamage.getLong(dir.resolve("d.qcow2"), 72);
        ImageDamage.putLong(dir.resolve("d.qcow2"), 72, flags | Qcow2Header.INCOMPAT_DIRTY);
        new ImageOpener(engine).open(dir.resolve("d.qcow2"), null, true).close(); // readers need no repair
        try (BlockImage img = openWritable("d.qcow2")) {
            Futures.await(img.write(1 << 20, ByteBuffer.allocate(4096)));
        }
        String info = Tool.ok(dir, "qemu-img", "info", "--output=json", "d.qcow2");
        assertTrue(info.replace(" ", "").contains("\"dirty-flag\":false"), info);
        Tool.ok(dir, "qemu-img", "check", "d.qcow2");
    }

    /** Writing would invalidate persistent bitmaps and leak their clusters: refused, the way out named. */
    @Test
    void imagesWithPersistentBitmapsAreRefusedForWriting() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "b.qcow2", "4M");
        Qemu.img(dir, "bitmap", "--add", "b.qcow2", "b0");
        ImageException e = assertThrows(ImageException.class, () -> openWritable("b.qcow2"));
        assertEquals(Errno.ENOTSUP, e.errno());
        assertTrue(e.getMessage().contains("persistent dirty bitmaps"), e.getMessage());
        new ImageOpener(engine).open(dir.resolve("b.qcow2"), null, true).close();
        Qemu.img(dir, "bitmap", "--remove", "b.qcow2", "b0");
        try (BlockImage img = openWritable("b.qcow2")) {
            Futures.await(img.write(0, ByteBuffer.allocate(4096)));
        }
        Qemu.img(dir, "check", "b.qcow2");
    }

    @Test
    void lazyRefcountsSetTheDirtyBitWhileOpen() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "lazy_refcounts=on", "l.qcow2", "4M");
        Path image = dir.resolve("l.qcow2");
        try (BlockImage img = openWritable("l.qcow2")) {
            assertEquals(Qcow2Header.INCOMPAT_DIRTY, ImageDamage.getLong(image, 72) & Qcow2Header.INCOMPAT_DIRTY);
            Futures.await(img.write(1000, ByteBuffer.allocate(100_000)));
        }
        assertEquals(0, ImageDamage.getLong(image, 72) & Qcow2Header.INCOMPAT_DIRTY);
        Qemu.img(dir, "check", "l.qcow2");
    }

    @Test
    void plainImagesStayCleanWhileOpen() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "p.qcow2", "4M");
        try (BlockImage img = openWritable("p.qcow2")) {
            Futures.await(img.write(1000, ByteBuffer.allocate(100_000)));
            assertEquals(0, ImageDamage.getLong(dir.resolve("p.qcow2"), 72));
        }
    }

    @Test
    void unknownAutoclearBitsAreCleared() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "a.qcow2", "4M");
        Path image = dir.resolve("a.qcow2");
        ImageDamage.putLong(image, 88, (1L << 7) | Qcow2Header.AUTOCLEAR_BITMAPS);
        openWritable("a.qcow2").close();
        assertEquals(0, ImageDamage.getLong(image, 88));
        Qemu.img(dir, "check", "a.qcow2");
    }

    @Test
    void refcountTableGrowsWhenTheImageDoes() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "refcount_bits=64,cluster_size=512", "g.qcow2", "8M");
        Path image = dir.resolve("g.qcow2");
        long tableBefore = ImageDamage.getLong(image, 48);
        try (BlockImage img = openWritable("g.qcow2")) {
            Futures.await(img.write(0, WriteWorkload.pattern(8 << 20, 1)));
        }
        assertNotEquals(tableBefore, ImageDamage.getLong(image, 48), "refcount table moved");
        Qemu.img(dir, "check", "g.qcow2");
        Path raw = dir.resolve("g.raw");
        Files.write(raw, bytes(WriteWorkload.pattern(8 << 20, 1)));
        Qemu.img(dir, "compare", "-f", "qcow2", "-F", "raw", "g.qcow2", raw.toString());
    }

    /**
     * The file as it stands between operations (every write issued so far completed, links
     * possibly still pending) is what a crash there would leave: QEMU must find at most leaks.
     */
    @Test
    void theFileBetweenOperationsHasAtMostLeaks() throws Exception {
        Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=4096", "c.qcow2", "16M");
        Qemu.io(dir.resolve("c.qcow2"), "qcow2", "write -P 0x11 0 6M", "write -c -P 0x33 8M 2M");
        Qemu.img(dir, "snapshot", "-c", "s1", "c.qcow2");
        Path model = Qemu.toRaw(dir.resolve("c.qcow2"));
        ImageOpener opener = new ImageOpener(engine);
        int pending = 0;
        try (BlockImage img = opener.open(dir.resolve("c.qcow2"), "qcow2", false);
                BlockImage raw = opener.open(model, "raw", false)) {
            WriteWorkload workload = new WriteWorkload(12, 4096);
            for (int round = 0; round < 12; round++) {
                workload.run(img, raw, 10);
                Path copy = dir.resolve("copy.qcow2");
                Files.copy(dir.resolve("c.qcow2"), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                int exit = exitCode("qemu-img", "check", copy.toString());
                assertTrue(exit == 0 || exit == 3, "round " + round + ": qemu-img check exit " + exit
                        + " (2 = corruption)");
                // the copy shows the disk as the model has it only if every link was already on disk
                pending += exitCode("qemu-img", "compare", "-f", "qcow2", "-F", "raw", copy.toString(),
                        model.toString()) == 1 ? 1 : 0;
            }
        }
        Qemu.img(dir, "check", "c.qcow2");
        Qemu.img(dir, "compare", "-f", "qcow2", "-F", "raw", "c.qcow2", model.toString());
        assertTrue(pending > 0, "some copies were taken with links still pending (else this test shows nothing)");
    }

    /** After a failure that stopped writing, close still closes the files but says so. */
    private static void assertClosesNotCleanly(BlockImage img) {
        ImageException closed = assertThrows(ImageException.class, img::close);
        assertTrue(closed.getMessage().contains("not closed cleanly"), closed.getMessage());
    }

    private int exitCode(String... command) {
        return Tool.run(dir, command).exitCode();
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
