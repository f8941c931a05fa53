package org.aiofs.image.qcow2;

import org.aiofs.testing.Tool;

import org.aiofs.testing.Qemu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.aiofs.aio.Futures;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.engine.SyncEngine;
import org.aiofs.aio.engine.ThreadPoolEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.qcow2.FaultyEngine.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Host faults injected at the engine under a writable image (qcow2 over a raw backing file,
 * and raw): the Nth read, write or flush fails with EIO or ENOSPC, is torn halfway, cut
 * short, or completes late, on the paths of guest reads and writes, copy-on-write from the
 * backing file, metadata commits, guest flushes and the final close. Whatever happens: the
 * image is never corrupt (qemu-img check), every failure reaches the caller as an
 * IOException, and nothing is reported as success over lost data: when every operation and
 * the close succeeded, the image reads exactly as the model; when an operation failed, what
 * was acknowledged before it is still there.
 */
class FaultInjectionTest {
    private static final int SIZE = 2 << 20;
    private static final int CLUSTER = 4096;

    @TempDir
    Path dir;

    record Case(String format, String kind, Fault fault, int nth, boolean onward) {
        @Override
        public String toString() {
            return format + " " + kind + " #" + nth + (onward ? "+" : "") + " " + fault;
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String kind : new String[] {"image-write", "image-flush", "image-read", "backing-read"}) {
            for (Fault fault : Fault.values()) {
                // reads of the image itself are few (one L2 table, data of what was written)
                int[] nths = kind.equals("image-read") ? new int[] {0, 1, 2, 3} : new int[] {0, 2, 5, 11};
                for (int nth : nths) {
                    boolean applies = !(fault == Fault.TORN_WRITE && !kind.endsWith("write"))
                            && !(fault == Fault.SHORT_READ && !kind.endsWith("read"));
                    if (applies) {
                        out.add(Arguments.of(new Case("qcow2", kind, fault, nth, nth % 2 == 0)));
                    }
                }
            }
        }
        for (Fault fault : new Fault[] {Fault.EIO, Fault.ENOSPC, Fault.TORN_WRITE, Fault.SLOW}) {
            for (int nth : new int[] {0, 5}) {
                out.add(Arguments.of(new Case("raw", "image-write", fault, nth, true)));
                out.add(Arguments.of(new Case("raw", "image-flush", fault, nth, false)));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void neverCorruptNeverSilent(Case c) throws Exception {
        byte[] backingBytes = new byte[SIZE];
        new Random(3).nextBytes(backingBytes);
        Path backing = Files.write(dir.resolve("base.raw"), backingBytes);
        Path image = dir.resolve("disk." + c.format());
        if (c.format().equals("qcow2")) {
            Qemu.img(dir, "create", "-f", "qcow2", "-o", "cluster_size=" + CLUSTER, "-b", "base.raw", "-F", "raw",
                    image.getFileName().toString(), Integer.toString(SIZE));
        } else {
            Files.write(image, backingBytes);
        }
        byte[] model = backingBytes.clone();       // what the guest was told it wrote
        byte[] flushed = backingBytes.clone();      // the model at the last flush that succeeded
        BitSet touchedSinceFlush = new BitSet(SIZE);
        BitSet lastFailedRange = new BitSet(SIZE);
        boolean opFailed = false;
        boolean closeFailed = false;
        Random ops = new Random(c.nth() * 31L + c.fault().ordinal());
        FaultyEngine engine = new FaultyEngine(new ThreadPoolEngine(3));
        try (engine) {
            BlockImage img = new ImageOpener(engine).open(image, c.format(), false);
            engine.arm(rule(c.kind(), image, backing), c.fault(), c.nth(), c.onward());
            try {
                for (int op = 0; op < 120 && !opFailed; op++) {
                    int at = ops.nextInt(SIZE - 3 * CLUSTER);
                    int len = 1 + ops.nextInt(2 * CLUSTER + 100);
                    int what = ops.nextInt(10);
                    try {
                        if (what < 5) {
                            byte[] data = new byte[len];
                            ops.nextBytes(data);
                            Futures.await(img.write(at, ByteBuffer.wrap(data)));
                            System.arraycopy(data, 0, model, at, len);
                        } else if (what == 5) {
                            Futures.await(img.writeZeroes(at, len, ops.nextBoolean()));
                            Arrays.fill(model, at, at + len, (byte) 0);
                        } else if (what == 6) {
                            Futures.await(img.flush());
                            flushed = model.clone();
                            touchedSinceFlush.clear();
                            continue;
                        } else {
                            ByteBuffer got = ByteBuffer.allocate(len);
                            Futures.await(img.read(at, got));
                            if (c.fault() != Fault.SHORT_READ) { // a cut read is an end of file: zeroes, as in QEMU
                                assertArrayEquals(Arrays.copyOfRange(model, at, at + len), got.array(),
                                        "a read that succeeded returned wrong data at " + at);
                            }
                            continue;
                        }
                        touchedSinceFlush.set(at, at + len);
                    } catch (IOException e) {
                        opFailed = true;
                        lastFailedRange.set(at, at + len);
                        touchedSinceFlush.set(at, at + len);
                    }
                }
            } finally {
                try {
                    img.close();
                } catch (IOException e) {
                    closeFailed = true;
                }
            }
        }
        assertTrue(engine.injected() > 0, "the fault never struck: the case proves nothing");
        if (c.fault() == Fault.SLOW) {
            assertTrue(!opFailed && !closeFailed, "a slow disk is not a failing one");
        }
        if (c.fault() != Fault.SLOW && engine.injected() > 0 && !opFailed && !closeFailed
                && c.fault() != Fault.SHORT_READ) {
            throw new AssertionError(engine.injected() + " injected fault(s) and everything reported success");
        }
        if (c.format().equals("qcow2")) {
            Tool.Result check = Tool.run(dir, "qemu-img", "check", image.getFileName().toString());
            assertTrue(check.exitCode() == 0 || check.exitCode() == 3, "corrupt after " + c + ": " + check.describe());
        }
        byte[] after = read(image, c.format());
        if (c.fault() == Fault.SHORT_READ) {
            return; // the backing or image "ended" early: what was copied from it is zeroes, as QEMU would copy
        }
        if (!closeFailed) {
            // everything acknowledged is there; only the failed operation's own range may hold either
            for (int i = 0; i < SIZE; i++) {
                if (after[i] != model[i] && !lastFailedRange.get(i)) {
                    throw new AssertionError(c + ": byte " + i + " acknowledged as written is lost (close said ok)");
                }
            }
        } else {
            for (int i = touchedSinceFlush.nextClearBit(0); i < SIZE; i = touchedSinceFlush.nextClearBit(i + 1)) {
                assertEquals(flushed[i], after[i], c + ": byte " + i + ", flushed before the failure, is lost");
            }
        }
    }

    /**
     * A disk that fails every flush from now on (a full thinly provisioned one): the guest's
     * flush fails and stops writing, and the close, whose own sync fails as well, still says
     * what may be lost (the writes that allocated clusters since the last flush), not only
     * that a sync failed.
     */
    @Test
    void aCloseAfterAFailedFlushSaysWhatMayBeLost() throws Exception {
        Path image = dir.resolve("disk.qcow2");
        Qemu.img(dir, "create", "-f", "qcow2", "disk.qcow2", "1G");
        byte[] data = new byte[4096];
        new Random(5).nextBytes(data);
        try (FaultyEngine engine = new FaultyEngine(new ThreadPoolEngine(2))) {
            BlockImage img = new ImageOpener(engine).open(image, "qcow2", false);
            engine.arm(rule("image-flush", image, image), Fault.ENOSPC, 0, true);
            for (int i = 0; i < 5; i++) {
                Futures.await(img.write((long) i << 20, ByteBuffer.wrap(data)));
            }
            assertThrows(IOException.class, () -> Futures.await(img.flush()));
            IOException closed = assertThrows(IOException.class, img::close);
            assertTrue(closed.getMessage().contains("not closed cleanly")
                    && closed.getMessage().contains("5 write(s) before it that allocated clusters")
                    && closed.getMessage().contains("the closing sync failed too"), closed.getMessage());
        }
        Tool.Result check = Tool.run(dir, "qemu-img", "check", "disk.qcow2");
        assertTrue(check.exitCode() == 0 || check.exitCode() == 3, check.describe());
    }

    private static Predicate<IoRequest> rule(String kind, Path image, Path backing) {
        Path img = image.toAbsolutePath();
        return switch (kind) {
            case "image-write" -> r -> r instanceof IoRequest.Write w && w.file().path().toAbsolutePath().equals(img);
            case "image-flush" -> r -> r instanceof IoRequest.Flush f && f.file().path().toAbsolutePath().equals(img);
            case "image-read" -> r -> r instanceof IoRequest.Read rd && rd.file().path().toAbsolutePath().equals(img);
            case "backing-read" -> FaultyEngine.readsOf(backing);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** The image as a reader sees it afterwards, through a healthy engine. */
    private byte[] read(Path image, String format) throws IOException {
        try (SyncEngine engine = new SyncEngine();
                BlockImage img = new ImageOpener(engine).open(image, format, true)) {
            ByteBuffer all = ByteBuffer.allocate(SIZE);
            Futures.await(img.read(0, all));
            return all.array();
        }
    }
}
