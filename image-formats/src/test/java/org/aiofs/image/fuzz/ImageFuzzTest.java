package org.aiofs.image.fuzz;

import static org.aiofs.image.fuzz.OneLine.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.aiofs.aio.Futures;
import org.aiofs.aio.engine.SyncEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;
import org.aiofs.image.ImageInfo;
import org.aiofs.image.SnapshotSource;
import org.aiofs.image.open.ImageDrivers;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.partition.Partition;
import org.aiofs.image.partition.PartitionTable;
import org.aiofs.image.partition.PartitionTableReader;
import org.aiofs.image.partition.Slice;
import org.aiofs.image.raw.RawDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of what aiofs reads from untrusted files. An input may make an
 * open or a read fail with an IOException (a one-line message naming the problem); anything
 * else (a runtime exception, an error, a hang, a partition outside its disk) is a finding.
 * Every test run replays the seeds (qemu-img's images of every format) and the findings kept
 * in {@code src/test/resources/.../ImageFuzzTestInputs}; fuzzing for real is
 * {@code JAZZER_FUZZ=1 mvn -pl image-formats -am test -Dtest=ImageFuzzTest#openAndRead}
 * (see README, "Fuzzing").
 */
class ImageFuzzTest {
    private static final int MAX_READS = 24;
    private static final int MAX_STATUS_STEPS = 64;
    private static final int MAX_SNAPSHOTS = 4;
    private static final long PARTITION_DISK_MAX = 1L << 30;

    private static FuzzScratch scratch;
    private static SyncEngine engine;

    @BeforeAll
    static void setUp() throws IOException {
        scratch = new FuzzScratch();
        engine = new SyncEngine();
        imageSeeds();
        partitionSeeds();
    }

    @AfterAll
    static void tearDown() throws IOException {
        engine.close();
        scratch.close();
    }

    /** One small image of each format qemu-img writes: every driver the registry gains is fuzzed from these. */
    private static void imageSeeds() throws IOException {
        FuzzSeeds s = FuzzSeeds.of(ImageFuzzTest.class, "openAndRead");
        s.run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=512", "plain.qcow2", "64k")
                .run("qemu-io", "-f", "qcow2", "-c", "write -P 1 0 3k", "-c", "write -z 8k 1k", "plain.qcow2")
                .run("qemu-img", "snapshot", "-c", "s1", "plain.qcow2")
                .run("qemu-io", "-f", "qcow2", "-c", "write -P 2 1k 1k", "plain.qcow2")
                .run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=512,compat=0.10", "v2.qcow2",
                        "64k")
                .run("qemu-io", "-f", "qcow2", "-c", "write -P 3 512 2k", "v2.qcow2")
                .run("qemu-img", "create", "-q", "-f", "qcow2",
                        "-o", "cluster_size=16k,extended_l2=on,refcount_bits=1", "ext.qcow2", "256k")
                .run("qemu-io", "-f", "qcow2", "-c", "write -P 4 2k 3k", "-c", "write -z 40k 2k", "ext.qcow2")
                .run("qemu-img", "create", "-q", "-f", "raw", "text.raw", "8k")
                .run("qemu-io", "-f", "raw", "-c", "write -P 0x61 0 8k", "text.raw");
        for (String type : new String[] {"zlib", "zstd"}) {
            s.run("qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2",
                    "-o", "cluster_size=512,compression_type=" + type, "text.raw", "compressed-" + type + ".qcow2");
        }
        s.remove("text.raw");
        s.run("qemu-img", "create", "-q", "-f", "vmdk", "sparse.vmdk", "1M")
                .run("qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=streamOptimized", "stream.vmdk", "1M")
                .run("qemu-img", "create", "-q", "-f", "vpc", "dynamic.vpc", "1M")
                .run("qemu-img", "create", "-q", "-f", "vdi", "dynamic.vdi", "1M")
                .run("qemu-img", "create", "-q", "-f", "vhdx", "dynamic.vhdx", "1M");
        Files.write(s.dir().resolve("empty"), new byte[0]);
    }

    /** MBR (with logical partitions) and GPT tables by sfdisk, encoded as {@link #partitionDisk} reads them. */
    private static void partitionSeeds() throws IOException {
        FuzzSeeds s = FuzzSeeds.of(ImageFuzzTest.class, "partitions");
        Path work = scratch.dir().resolve("seed.img");
        String[][] layouts = {
            {"mbr", "label: dos\n,100K,83\n,200K,5\n,50K,83\n,50K,c\n,,83\n"},
            {"gpt", "label: gpt\n,100K,L\n,200K,L\n,,L\n"},
        };
        for (String[] layout : layouts) {
            try (RandomAccessFile f = new RandomAccessFile(work.toFile(), "rw")) {
                f.setLength(0);
                f.setLength(1 << 20);
            }
            Process p = new ProcessBuilder("sfdisk", "-q", work.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().write(layout[1].getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            p.getOutputStream().close();
            try {
                assertEquals(0, p.waitFor(), "sfdisk " + layout[0]);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            byte[] disk = Files.readAllBytes(work);
            Files.write(s.dir().resolve(layout[0]), encodeDisk(disk, 34 * 512, 33 * 512));
        }
        Files.delete(work);
    }

    /**
     * (a) Any file, opened through the registry as `aiofs info` and a mount open it (probe,
     * driver, read-only), then read, walked with block status, its snapshots opened and read.
     */
    @FuzzTest
    void openAndRead(byte[] data) throws IOException {
        Path file = scratch.file("image", data);
        BlockImage image;
        try {
            image = new ImageOpener(engine).open(file, null, true);
        } catch (IOException e) {
            assertOneLine(e);
            return;
        }
        try (image) {
            readAround(image);
            describe(image);
            if (image instanceof SnapshotSource snapshots) {
                int n = 0;
                for (ImageInfo.SnapshotInfo s : snapshots.internalSnapshots()) {
                    if (n++ == MAX_SNAPSHOTS) {
                        break;
                    }
                    try (BlockImage snapshot = snapshots.openInternalSnapshot(s)) {
                        readAround(snapshot);
                    } catch (IOException e) {
                        assertOneLine(e);
                    }
                }
            }
            PartitionTable table;
            try {
                table = PartitionTableReader.read(image);
            } catch (IOException e) {
                assertOneLine(e);
                return;
            }
            checkPartitions(image, table);
        }
    }

    /**
     * (b) The partition readers on a disk whose head and tail are the input (the GPT backup
     * lives at the end): every partition they report lies inside the disk, none overlaps another,
     * and each reads through its {@link Slice}.
     */
    @FuzzTest
    void partitions(byte[] data) throws IOException {
        Path file = partitionDisk(data);
        try (BlockImage disk = new ImageOpener(engine).open(file, RawDriver.NAME, true)) {
            PartitionTable table;
            try {
                table = PartitionTableReader.read(disk);
            } catch (IOException e) {
                assertOneLine(e);
                return;
            }
            checkPartitions(disk, table);
        }
    }

    private static void readAround(BlockImage image) {
        long size = image.size();
        assertTrue(size >= 0, "negative size " + size);
        List<Long> offsets = new ArrayList<>(List.of(0L, 512L, 4096L, 65536L, size / 2, size - 512, size - 1));
        for (int i = 1; offsets.size() < MAX_READS && i < 64; i++) {
            offsets.add(size / 64 * i);
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(4096 + 512);
        for (long at : offsets) {
            if (at < 0 || at >= size) {
                continue;
            }
            buf.clear().limit((int) Math.min(buf.capacity(), size - at));
            try {
                Futures.await(image.read(at, buf));
            } catch (IOException e) {
                assertOneLine(e);
            }
        }
        long at = 0;
        for (int step = 0; step < MAX_STATUS_STEPS && at < size; step++) {
            try {
                BlockStatus s = image.blockStatus(at, size - at);
                assertEquals(at, s.offset());
                assertTrue(s.length() > 0 && s.length() <= size - at, "block status length " + s.length());
                at += s.length();
            } catch (IOException e) {
                assertOneLine(e);
                at += 1 << 20;
            }
        }
    }

    private static void describe(BlockImage image) {
        try {
            ImageInfo info = ImageDrivers.describe(image);
            assertEquals(image.size(), info.virtualSize());
        } catch (IOException e) {
            assertOneLine(e);
        }
    }

    /** What the layout would serve: partitions inside the disk, not overlapping, each readable. */
    private static void checkPartitions(BlockImage disk, PartitionTable table) throws IOException {
        Set<Integer> numbers = new HashSet<>();
        List<Partition> plain = new ArrayList<>();
        for (Partition p : table.partitions()) {
            assertTrue(numbers.add(p.number()), "two partitions numbered " + p.number());
            assertTrue(p.start() >= 0 && p.size() > 0 && p.end() <= disk.size(),
                    p + " outside a disk of " + disk.size() + " bytes");
            if (!p.container()) {
                for (Partition q : plain) {
                    assertTrue(p.end() <= q.start() || q.end() <= p.start(), p + " overlaps " + q);
                }
                plain.add(p);
            }
        }
        for (Partition p : plain) {
            try (Slice slice = Slice.of(disk, p, true)) {
                ByteBuffer sector = ByteBuffer.allocateDirect((int) Math.min(512, slice.size()));
                try {
                    Futures.await(slice.read(0, sector));
                    Futures.await(slice.read(slice.size() - sector.capacity(), sector.clear()));
                } catch (IOException e) {
                    assertOneLine(e); // a qcow2 disk may fail the read where its own metadata is damaged
                }
            }
        }
    }


    /** [8 bytes: disk size][head bytes][tail bytes]: head written at 0, tail at the end of the disk. */
    static byte[] encodeDisk(byte[] disk, int head, int tail) {
        ByteBuffer b = ByteBuffer.allocate(8 + 4 + head + tail);
        b.putLong(disk.length).putInt(head);
        b.put(disk, 0, head).put(disk, disk.length - tail, tail);
        return b.array();
    }

    /** The disk file an input describes (see {@link #encodeDisk}); sparse between head and tail. */
    private static Path partitionDisk(byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        long size = data.length >= 8 ? b.getLong() : 0;
        int head = data.length >= 12 ? b.getInt() : 0;
        byte[] rest = new byte[b.remaining()];
        b.get(rest);
        head = Math.max(0, Math.min(head, rest.length));
        int tail = rest.length - head;
        size = Math.max(rest.length, Math.min(Math.abs(size % PARTITION_DISK_MAX), PARTITION_DISK_MAX));
        Path file = scratch.dir().resolve("disk");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(0);
            f.setLength(size);
            f.write(rest, 0, head);
            f.seek(size - tail);
            f.write(rest, head, tail);
        }
        return file;
    }
}
