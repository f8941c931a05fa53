package org.aiofs.image.vmdk;

import static org.aiofs.image.vmdk.VmdkCorpus.create;
import static org.aiofs.image.vmdk.VmdkCorpus.expected;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.aiofs.aio.Futures;
import org.aiofs.aio.engine.ThreadPoolEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.qcow2.CrashRecordingEngine;
import org.aiofs.image.qcow2.WriteWorkload;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Power cuts, simulated: the file writes of a guest workload are recorded with the flushes
 * between them; for many cut points, the file a cut could leave (every flushed write, any subset
 * of the others) must pass `qemu-img check`, and every sector QEMU reads from it must hold what
 * the guest could see: its value when the last flush was done, or what a write in flight at the
 * cut put there. A grain linked before its data was durable would read as zeroes or stale bytes.
 */
class VmdkCrashOrderingTest {
    private static final int SECTOR = 512;

    @TempDir
    Path dir;

    /** One guest operation and where its file writes start and end in the recording. */
    private record Op(long offset, byte[] data, int firstWrite, int lastWrite) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "child", "missing-tables"})
    void aCutAnywhereLeavesOnlyWhatTheGuestCouldSee(String kind) throws Exception {
        Path image = switch (kind) {
            case "child" -> {
                create(dir, "base.vmdk", "", "4M", "write -P 0x21 0 4M");
                yield create(dir, "i.vmdk", "backing_file=base.vmdk,backing_fmt=vmdk,zeroed_grain=on", "4M");
            }
            case "missing-tables" -> // tables of 4 entries (256 KiB of disk each), none allocated yet
                    VmdkHandMade.sparseWithoutTables(dir.resolve("i.vmdk"), 8192, 4);
            default -> create(dir, "i.vmdk", "zeroed_grain=on", "4M", "write -P 0x23 1M 1M");
        };
        Path base = dir.resolve("i.base");
        Files.copy(image, base);
        byte[] initial = Files.readAllBytes(expected(image));
        long size = initial.length;
        Random random = new Random(kind.hashCode());
        List<Op> ops = new ArrayList<>();
        CrashRecordingEngine engine = new CrashRecordingEngine(new ThreadPoolEngine(2), image);
        try (BlockImage img = new ImageOpener(engine).open(image, "vmdk", false)) {
            for (int i = 0; i < 40; i++) {
                long offset = (long) (random.nextDouble() * size) & ~(SECTOR - 1L);
                int length = (int) Math.min(size - offset, SECTOR * (1 + random.nextInt(400)));
                boolean zeroes = random.nextInt(5) == 0;
                byte[] data = new byte[length];
                if (!zeroes) {
                    WriteWorkload.pattern(length, random.nextLong()).get(data);
                    for (int k = 0; k < length; k++) {
                        data[k] |= 1; // never zero: a grain linked too early reads as zeroes, and must be seen
                    }
                }
                int first = engine.writeCount();
                if (zeroes) {
                    Futures.await(img.writeZeroes(offset, length, false));
                } else {
                    Futures.await(img.write(offset, ByteBuffer.wrap(data)));
                }
                ops.add(new Op(offset, data, first, engine.writeCount()));
            }
        } finally {
            engine.close();
        }
        Tool.ok(dir, "qemu-img", "check", image.toString());
        int writes = engine.writeCount();
        List<Integer> cuts = new ArrayList<>(engine.cutsBeforeFlushes());
        Collections.shuffle(cuts, random);
        cuts = new ArrayList<>(cuts.subList(0, Math.min(25, cuts.size())));
        for (int i = 0; i < 10; i++) {
            cuts.add(random.nextInt(writes + 1));
        }
        assertTrue(writes > 40, "the workload wrote grains and tables (" + writes + " writes)");
        Path crashed = dir.resolve("crashed.vmdk");
        for (int cut : cuts) {
            engine.crashImage(base, crashed, cut, random);
            Tool.Result check = Tool.run(dir, "qemu-img", "check", crashed.toString());
            if (check.exitCode() != 0) {
                fail(kind + ": a cut before write " + cut + " of " + writes + " leaves an image qemu-img check"
                        + " rejects (exit " + check.exitCode() + "):\n" + check.describe());
            }
            Path qemuRead = expected(crashed);
            assertGuestCouldSee(kind, cut, engine.flushedBefore(cut), initial, ops, Files.readAllBytes(qemuRead));
            assertTrue(Arrays.equals(Files.readAllBytes(qemuRead), readWithAiofs(crashed)), "aiofs reads " + kind
                    + " cut at " + cut + " as QEMU does");
        }
        if (kind.equals("missing-tables")) {
            // a table lost behind the directory entry that links it shows only in some subsets of a few cuts:
            // every cut, many subsets, read by aiofs (which refuses a table beyond the end of the file)
            for (int cut : engine.cutsBeforeFlushes()) {
                for (int k = 0; k < 6; k++) {
                    engine.crashImage(base, crashed, cut, random);
                    assertGuestCouldSee(kind, cut, engine.flushedBefore(cut), initial, ops, readWithAiofs(crashed));
                }
            }
        }
    }

    private static byte[] readWithAiofs(Path image) throws IOException {
        try (ThreadPoolEngine reader = new ThreadPoolEngine(1);
                BlockImage img = new ImageOpener(reader).open(image, "vmdk", true)) {
            ByteBuffer all = ByteBuffer.allocate((int) img.size());
            Futures.await(img.read(0, all));
            return all.array();
        }
    }

    /** Every sector holds its value after the last op that was wholly flushed, or the data of an op in flight. */
    private static void assertGuestCouldSee(String kind, int cut, int flushed, byte[] initial, List<Op> ops,
            byte[] seen) {
        byte[] durable = initial.clone();
        int settled = 0;
        while (settled < ops.size() && ops.get(settled).lastWrite() <= flushed) {
            Op op = ops.get(settled++);
            System.arraycopy(op.data(), 0, durable, (int) op.offset(), op.data().length);
        }
        for (int s = 0; s < seen.length; s += SECTOR) {
            if (Arrays.equals(seen, s, s + SECTOR, durable, s, s + SECTOR)) {
                continue;
            }
            boolean inFlight = false;
            for (int g = settled; g < ops.size() && ops.get(g).firstWrite() < cut && !inFlight; g++) {
                Op op = ops.get(g);
                int from = s - (int) op.offset();
                inFlight = from >= 0 && from + SECTOR <= op.data().length
                        && Arrays.equals(seen, s, s + SECTOR, op.data(), from, from + SECTOR);
            }
            if (!inFlight) {
                fail(kind + ": after a cut before write " + cut + ", sector " + (s / SECTOR) + " holds bytes no"
                        + " guest write put there (" + settled + " ops settled)");
            }
        }
    }
}
