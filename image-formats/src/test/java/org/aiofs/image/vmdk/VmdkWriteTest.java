package org.aiofs.image.vmdk;

import org.aiofs.aio.nativeio.Errno;
import static org.aiofs.image.vmdk.VmdkCorpus.convert;
import static org.aiofs.image.vmdk.VmdkCorpus.create;
import static org.aiofs.image.vmdk.VmdkCorpus.expected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.aio.Futures;
import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.ImageException;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.qcow2.DiskComparison;
import org.aiofs.image.qcow2.WriteWorkload;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Writes through the vmdk driver, judged by QEMU: after a random workload of writes, zero
 * writes and discards, `qemu-img check` finds no error and `qemu-img compare` finds the disk
 * identical to a raw model that took the same operations.
 */
class VmdkWriteTest extends EngineTestBase {
    private static final int GRAIN = 65536;

    @TempDir
    Path dir;

    /** Runs the workload on {@code image} and a raw model of it, then lets QEMU judge. */
    private void assertWorkloadAsQemuSeesIt(Path image, long seed, int operations) throws Exception {
        Path model = expected(image);
        ImageOpener opener = new ImageOpener(engine);
        try (BlockImage img = opener.open(image, "vmdk", false); BlockImage raw = opener.open(model, "raw", false)) {
            new WriteWorkload(seed, GRAIN).run(img, raw, operations);
        }
        Tool.ok(dir, "qemu-img", "check", image.toString());
        Tool.ok(dir, "qemu-img", "compare", "-f", "vmdk", "-F", "raw", image.toString(), model.toString());
        try (BlockImage img = opener.open(image, null, true)) {
            DiskComparison.assertSameAsRaw(img, model);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"subformat=monolithicSparse", "subformat=monolithicSparse,zeroed_grain=on",
            "subformat=twoGbMaxExtentSparse", "subformat=monolithicFlat", "subformat=twoGbMaxExtentFlat"})
    void randomWorkloadOnEveryWritableSubformat(String options) throws Exception {
        Path image = create(dir, "w.vmdk", options, "12M", "write -P 0x31 1M 3M", "write -P 0x32 9M 100k");
        assertWorkloadAsQemuSeesIt(image, options.hashCode(), 80);
    }

    @Test
    void childOverAParentCopiesWhatItDoesNotOverwrite() throws Exception {
        create(dir, "base.vmdk", "", "8M", "write -P 0x41 0 8M");
        Path child = create(dir, "child.vmdk", "backing_file=base.vmdk,backing_fmt=vmdk,zeroed_grain=on", "10M",
                "write -P 0x42 2M 64k");
        assertWorkloadAsQemuSeesIt(child, 7, 60);
    }

    @Test
    void aWrittenParentGetsANewCidAndItsOldChildrenAreRefused() throws Exception {
        Path base = create(dir, "base.vmdk", "", "2M", "write -P 0x51 0 2M");
        Path child = create(dir, "child.vmdk", "backing_file=base.vmdk,backing_fmt=vmdk", "2M");
        long before;
        try (BlockImage img = new ImageOpener(engine).open(base, null, true)) {
            before = ((VmdkImage) img).ids().cid();
        }
        try (BlockImage img = new ImageOpener(engine).open(base, "vmdk", false)) {
            Futures.await(img.write(4096, ByteBuffer.wrap(new byte[] {1, 2, 3})));
        }
        long after = Qemu.info(base).at("/format-specific/data/cid").asLong();
        assertNotEquals(before, after, "QEMU reads a new CID");
        ImageException e = assertThrows(ImageException.class, () -> new ImageOpener(engine).open(child, null, true));
        assertTrue(e.getMessage().contains("is not the CID of the parent"), e.getMessage());
        Tool.Result qemu = Tool.run(dir, "qemu-img", "convert", "-O", "raw", child.toString(), "c.raw");
        assertNotEquals(0, qemu.exitCode(), "QEMU refuses to read through the changed parent too");
    }

    @Test
    void wholeZeroedGrainsTakeNoSpace() throws Exception {
        Path image = create(dir, "z.vmdk", "zeroed_grain=on", "8M", "write -P 0x61 0 8M");
        long size = Files.size(image);
        try (BlockImage img = new ImageOpener(engine).open(image, "vmdk", false)) {
            Futures.await(img.writeZeroes(GRAIN, 4L * GRAIN, false));
            Futures.await(img.writeZeroes(7 * GRAIN + 100, 1000, false)); // not whole: zeroes are written
        }
        assertEquals(size, Files.size(image), "zeroed grains are entries, not data");
        String map = Tool.ok(dir, "qemu-img", "map", "--output=json", image.toString());
        assertTrue(map.contains("\"start\": 65536, \"length\": 262144, \"depth\": 0, \"present\": true, \"zero\": true,"
                + " \"data\": false"), map);
        Tool.ok(dir, "qemu-img", "check", image.toString());
    }

    @Test
    void grainsAndTablesAreAllocatedWhereQemuLeftNoTable() throws Exception {
        // a grain directory entry of zero (VMware leaves tables out; qemu-img preallocates them): a new table
        Path image = create(dir, "t.vmdk", "", "40M", "write -P 0x71 0 64k");
        long secondTable = VmdkDamage.firstGdEntry(image) + 4;
        VmdkDamage.putInt(image, secondTable, 0);
        long rgd = VmdkDamage.getLong(image, VmdkDamage.RGD_OFFSET) * 512 + 4;
        VmdkDamage.putInt(image, rgd, 0);
        Path model = expected(image);
        try (BlockImage img = new ImageOpener(engine).open(image, "vmdk", false);
                BlockImage raw = new ImageOpener(engine).open(model, "raw", false)) {
            ByteBuffer data = WriteWorkload.pattern(3 * GRAIN + 10, 5);
            long at = 32L << 20; // the second table covers 32..64 MiB
            Futures.await(img.write(at - 5, data.duplicate()));
            Futures.await(raw.write(at - 5, data.duplicate()));
        }
        assertTrue(VmdkDamage.getInt(image, secondTable) != 0, "the directory links the new table");
        assertEquals(VmdkDamage.getInt(image, rgd) != 0, true, "so does the redundant directory");
        Tool.ok(dir, "qemu-img", "check", image.toString());
        Tool.ok(dir, "qemu-img", "compare", "-f", "vmdk", "-F", "raw", image.toString(), model.toString());
    }

    /**
     * Readers beside a writer: a grain being allocated reads as it was (zeroes) or as written,
     * never as a mix or as another grain's data; afterwards QEMU agrees with every write.
     */
    @Test
    void readsBesideAllocatingWritesSeeOldOrNewGrains() throws Exception {
        int grains = 96;
        Path image = VmdkHandMade.sparseWithoutTables(dir.resolve("c.vmdk"), grains * 128L, 8);
        try (BlockImage img = new ImageOpener(engine).open(image, "vmdk", false)) {
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.List<java.util.concurrent.CompletableFuture<Integer>> readers = new java.util.ArrayList<>();
            for (int r = 0; r < 3; r++) {
                int seed = r;
                readers.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    java.util.Random random = new java.util.Random(seed);
                    int checked = 0;
                    ByteBuffer b = ByteBuffer.allocate(GRAIN);
                    while (!done.get() || checked < 50) {
                        int grain = random.nextInt(grains);
                        b.clear();
                        try {
                            Futures.await(img.read((long) grain * GRAIN, b));
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        byte first = b.get(0);
                        if (first != 0 && first != (byte) (grain + 1)) {
                            throw new AssertionError("grain " + grain + " reads another grain's byte " + first);
                        }
                        for (int i = 1; i < GRAIN; i++) {
                            if (b.get(i) != first) {
                                throw new AssertionError("grain " + grain + " reads a mix at byte " + i);
                            }
                        }
                        checked++;
                    }
                    return checked;
                }));
            }
            for (int g = 0; g < grains; g++) {
                byte[] data = new byte[GRAIN];
                java.util.Arrays.fill(data, (byte) (g + 1));
                Futures.await(img.write((long) g * GRAIN, ByteBuffer.wrap(data)));
            }
            done.set(true);
            for (var r : readers) {
                assertTrue(r.get() >= 50);
            }
        }
        Tool.ok(dir, "qemu-img", "check", image.toString());
        byte[] all = Files.readAllBytes(expected(image));
        for (int g = 0; g < grains; g++) {
            assertEquals((byte) (g + 1), all[g * GRAIN + 100], "grain " + g);
        }
    }

    /** A damaged table that places a grain on metadata: read as QEMU reads it, never written over. */
    @Test
    void aGrainOnTheTablesIsNotWrittenOver() throws Exception {
        Path image = create(dir, "m.vmdk", "", "4M", "write -P 0x11 0 128k");
        long gte = VmdkDamage.gtEntry(image, 1);
        long table = VmdkDamage.getInt(image, VmdkDamage.firstGdEntry(image));
        VmdkDamage.putInt(image, gte, (int) table); // grain 1 "is" the first grain table
        byte[] before = VmdkDamage.get(image, table * 512, 2048);
        try (BlockImage img = new ImageOpener(engine).open(image, "vmdk", false)) {
            Futures.await(img.read(65536, ByteBuffer.allocate(4096)));
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> Futures.await(img.write(65536 + 8,
                    ByteBuffer.wrap(new byte[] {9}))));
            assertTrue(e instanceof ImageException && e.getMessage().contains("lies on metadata")
                    && e.getMessage().contains("m.vmdk"), e.getMessage());
        }
        assertTrue(java.util.Arrays.equals(before, VmdkDamage.get(image, table * 512, 2048)), "the table is intact");
        Path far = create(dir, "far.vmdk", "", "4M");
        VmdkDamage.putInt(far, VmdkDamage.firstGdEntry(far), 0x100000);
        ImageException e = assertThrows(ImageException.class, () -> new ImageOpener(engine).open(far, "vmdk", false));
        assertTrue(e.getMessage().contains("grain table 0 at 0x20000000"), e.getMessage());
    }

    @Test
    void streamOptimizedAndVersion3AreNotWritten() throws Exception {
        Path stream = convert(dir, VmdkCorpus.mixedRaw(dir, "m.raw", 1 << 20, 1), "s.vmdk",
                "subformat=streamOptimized");
        ImageException e = assertThrows(ImageException.class, () -> new ImageOpener(engine).open(stream, "vmdk",
                false));
        assertEquals(Errno.EROFS, e.errno());
        assertTrue(e.getMessage().contains("s.vmdk: stream-optimized (compressed) extents are not written")
                && e.getMessage().contains("--read-only"), e.getMessage());
        Path v3 = create(dir, "v3.vmdk", "", "1M");
        VmdkDamage.putInt(v3, VmdkDamage.VERSION, 3);
        ImageException e3 = assertThrows(ImageException.class, () -> new ImageOpener(engine).open(v3, "vmdk",
                false));
        assertTrue(e3.getMessage().contains("VMDK version 3 extents must stay read-only"), e3.getMessage());
        try (BlockImage img = new ImageOpener(engine).open(v3, "vmdk", true)) {
            assertTrue(img.readOnly());
        }
    }
}
