package org.aiofs.image.qcow2;

import org.aiofs.testing.Tool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.aiofs.aio.Futures;
import org.aiofs.aio.engine.SyncEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.CheckResult;
import org.aiofs.image.RepairMode;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.qcow2.check.Qcow2Checker;
import org.aiofs.image.qcow2.create.Qcow2CreateOptions;
import org.aiofs.image.qcow2.create.Qcow2Creator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * (d) The qcow2 writer driven by a fuzzed sequence of writes, zero writes, discards, flushes
 * and read-backs on a fuzzed layout (cluster size, extended L2, refcount width, lazy
 * refcounts, version), against a plain byte array as the model of the disk. After the run:
 * the image reads as the model, checks clean; and a power cut at a fuzzed point (every write
 * before the chosen guest flush kept, any subset of the ones after it, built by
 * {@link CrashRecordingEngine}) leaves an image without corruption whose flushed bytes are
 * the model's at that flush. In regression mode (every test run) QEMU judges too: qemu-img
 * check and qemu-img compare against the model.
 */
class WriterFuzzTest {
    private static final int MAX_OPS = 48;
    private static final PrintWriter QUIET = new PrintWriter(Writer.nullWriter());
    private static final boolean FUZZING = System.getenv("JAZZER_FUZZ") != null
            && !System.getenv("JAZZER_FUZZ").isEmpty();

    private static Path scratch;

    @BeforeAll
    static void setUp() throws IOException, URISyntaxException {
        Path shm = Path.of("/dev/shm");
        scratch = Files.isWritable(shm) ? Files.createTempDirectory(shm, "aiofs-writer-fuzz")
                : Files.createTempDirectory("aiofs-writer-fuzz");
        // seeds: operation sequences from fixed random streams (the fuzzer grows them from there)
        Path classes = Path.of(WriterFuzzTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path seeds = classes.resolve("org/aiofs/image/qcow2/WriterFuzzTestInputs/writeCrashAndCheck");
        Files.createDirectories(seeds);
        for (int i = 0; i < 4; i++) {
            byte[] seed = new byte[600];
            new Random(20261129 + i).nextBytes(seed);
            Files.write(seeds.resolve("random-" + i), seed);
        }
    }

    @AfterAll
    static void tearDown() throws IOException {
        for (Path p : Files.list(scratch).toList()) {
            Files.delete(p);
        }
        Files.delete(scratch);
    }

    @FuzzTest
    void writeCrashAndCheck(FuzzedDataProvider in) throws IOException {
        Qcow2CreateOptions options = layout(in);
        int size = (int) options.virtualSize();
        Path image = scratch.resolve("image.qcow2");
        Path base = scratch.resolve("base.qcow2");
        Files.deleteIfExists(image);
        Qcow2Creator.create(image, options);
        Files.copy(image, base, StandardCopyOption.REPLACE_EXISTING);

        byte[] model = new byte[size];
        int keptFlush = in.consumeInt(0, 6);
        byte[] durable = null;
        int writesAtKeptFlush = -1;
        BitSet touchedSince = new BitSet(size);
        int flushes = 0;
        CrashRecordingEngine crash = new CrashRecordingEngine(new SyncEngine(), image);
        try (crash; BlockImage img = new ImageOpener(crash).open(image, "qcow2", false)) {
            int ops = in.consumeInt(0, MAX_OPS);
            for (int op = 0; op < ops && in.remainingBytes() > 0; op++) {
                int kind = in.consumeInt(0, 5);
                long offset = in.consumeLong(0, size - 1);
                int length = (int) Math.min(size - offset, in.consumeInt(1, 3 * options.clusterSize()));
                switch (kind) {
                    case 0, 1 -> {
                        byte fill = in.consumeByte();
                        ByteBuffer data = ByteBuffer.allocateDirect(length);
                        for (int i = 0; i < length; i++) {
                            data.put(i, (byte) (fill + i));
                        }
                        Futures.await(img.write(offset, data));
                        for (int i = 0; i < length; i++) {
                            model[(int) offset + i] = (byte) (fill + i);
                        }
                        touchedSince.set((int) offset, (int) offset + length);
                    }
                    case 2 -> {
                        Futures.await(img.writeZeroes(offset, length, in.consumeBoolean()));
                        Arrays.fill(model, (int) offset, (int) offset + length, (byte) 0);
                        touchedSince.set((int) offset, (int) offset + length);
                    }
                    case 3 -> {
                        Futures.await(img.discard(offset, length)); // reads as zeroes afterwards
                        Arrays.fill(model, (int) offset, (int) offset + length, (byte) 0);
                        touchedSince.set((int) offset, (int) offset + length);
                    }
                    case 4 -> {
                        Futures.await(img.flush());
                        if (flushes++ == keptFlush) {
                            durable = model.clone();
                            writesAtKeptFlush = crash.writeCount();
                            touchedSince.clear();
                        }
                    }
                    default -> {
                        ByteBuffer got = ByteBuffer.allocate(length);
                        Futures.await(img.read(offset, got));
                        assertArrayEquals(Arrays.copyOfRange(model, (int) offset, (int) offset + length), got.array(),
                                "read back at " + offset);
                    }
                }
            }
        }
        assertReadsAs(image, model);
        CheckResult check = Qcow2Checker.check(image, RepairMode.NONE, QUIET);
        assertEquals(CheckResult.EXIT_CLEAN, check.exitCode(), "after a clean close: " + check);
        if (!FUZZING) {
            judgedByQemu(image, model);
        }
        if (durable != null && crash.writeCount() > writesAtKeptFlush) {
            int cut = writesAtKeptFlush + 1 + in.consumeInt(0, crash.writeCount() - writesAtKeptFlush - 1);
            Path cutImage = scratch.resolve("cut.qcow2");
            crash.crashImage(base, cutImage, cut, new Random(in.consumeLong()));
            // a lazy-refcounts image is repaired before use (as the opener does); others must be consistent as cut
            CheckResult cutCheck = Qcow2Checker.check(cutImage,
                    options.lazyRefcounts() ? RepairMode.ALL : RepairMode.NONE, QUIET);
            assertEquals(0, cutCheck.corruptions(), "a power cut corrupted the image: " + cutCheck);
            assertEquals(0, cutCheck.checkErrors(), "a power cut corrupted the image: " + cutCheck);
            try (BlockImage after = new ImageOpener(new SyncEngine()).open(cutImage, "qcow2", true)) {
                ByteBuffer all = ByteBuffer.allocate(size);
                Futures.await(after.read(0, all));
                for (int i = touchedSince.nextClearBit(0); i < size; i = touchedSince.nextClearBit(i + 1)) {
                    if (all.get(i) != durable[i]) {
                        throw new AssertionError("byte " + i + " flushed before the power cut reads "
                                + all.get(i) + ", not " + durable[i]);
                    }
                }
            }
        }
    }

    /** A layout qemu-img could have made: every cluster size, refcount width and feature combination. */
    private static Qcow2CreateOptions layout(FuzzedDataProvider in) {
        int clusterBits = in.consumeInt(9, 16);
        boolean v3 = in.consumeBoolean();
        boolean extended = v3 && clusterBits >= 14 && in.consumeBoolean();
        int refcountBits = v3 ? 1 << in.consumeInt(0, 6) : 16;
        boolean lazy = v3 && in.consumeBoolean();
        int size = in.consumeInt(1, 2048) * 512;
        return Qcow2CreateOptions.defaults(size).withClusterSize(1L << clusterBits).withVersion(v3 ? 3 : 2)
                .withExtendedL2(extended).withRefcountBits(refcountBits).withLazyRefcounts(lazy);
    }

    private static void assertReadsAs(Path image, byte[] model) throws IOException {
        try (SyncEngine engine = new SyncEngine();
                BlockImage img = new ImageOpener(engine).open(image, "qcow2", true)) {
            ByteBuffer all = ByteBuffer.allocate(model.length);
            Futures.await(img.read(0, all));
            assertArrayEquals(model, all.array(), "the image does not read as the model after close");
        }
    }

    private static void judgedByQemu(Path image, byte[] model) throws IOException {
        Path raw = scratch.resolve("model.raw");
        Files.write(raw, model);
        Tool.ok(scratch, "qemu-img", "check", image.toString());
        Tool.ok(scratch, "qemu-img", "compare", "-f", "qcow2", "-F", "raw", image.toString(), raw.toString());
        assertTrue(Files.deleteIfExists(raw));
    }
}
