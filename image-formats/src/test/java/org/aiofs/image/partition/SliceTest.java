package org.aiofs.image.partition;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.aiofs.aio.Futures;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.BlockStatus;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.ImageException;
import org.aiofs.image.raw.RawImage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SliceTest extends EngineTestBase {
    private static final long MIB = 1 << 20;
    @TempDir
    Path dir;
    private Path disk;
    private TestDisks.Expected second; // partition 2 as sfdisk reports it, in sectors
    private long start;
    private long size;

    @BeforeEach
    void makeDisk() throws Exception {
        disk = TestDisks.blank(dir, "disk.img", 16 * MIB);
        TestDisks.sfdisk(disk, "label: dos\n,4M,83\n,4M,83\n,4M,83\n");
        second = TestDisks.sfdiskJson(disk).get(1);
        start = second.start() * 512;
        size = second.size() * 512;
    }

    private Slice secondPartition(RawImage image, boolean forcedReadOnly) throws Exception {
        PartitionTable table = PartitionTableReader.read(image);
        Partition p = table.partitions().get(1);
        assertEquals(2, p.number());
        return Slice.of(image, p, forcedReadOnly);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void writesLandAtThePartitionsOffsetInTheFile() throws Exception {
        byte[] head = random(4096, 1);
        byte[] tail = random(4096, 2);
        try (RawImage image = TestDisks.open(disk, false, engine)) {
            Slice slice = secondPartition(image, false);
            assertEquals(size, slice.size());
            assertEquals(start, slice.start());
            assertEquals("partition", slice.format());
            Futures.await(slice.write(0, ByteBuffer.wrap(head)));
            Futures.await(slice.write(size - 4096, ByteBuffer.wrap(tail)));
            Futures.await(slice.flush());
        }
        assertArrayEquals(head, TestDisks.readAt(disk, start, 4096));
        assertArrayEquals(tail, TestDisks.readAt(disk, start + size - 4096, 4096));
        // the neighbours are untouched
        assertArrayEquals(new byte[4096], TestDisks.readAt(disk, start - 4096, 4096));
        assertArrayEquals(new byte[4096], TestDisks.readAt(disk, start + size, 4096));
    }

    @Test
    void readsComeFromThePartitionsOffset() throws Exception {
        byte[] data = random(8192, 3);
        TestDisks.writeAt(disk, start + 12288, data);
        try (RawImage image = TestDisks.open(disk, true, engine)) {
            Slice slice = secondPartition(image, false);
            ByteBuffer buf = ByteBuffer.allocate(8192);
            Futures.await(slice.read(12288, buf));
            assertArrayEquals(data, buf.array());
        }
    }

    @Test
    void writesCrossingTheEndAreRefusedAndWriteNothing() throws Exception {
        try (RawImage image = TestDisks.open(disk, false, engine)) {
            Slice slice = secondPartition(image, false);
            byte[] ones = new byte[8192];
            Arrays.fill(ones, (byte) 1);
            ImageException e = assertThrows(ImageException.class,
                    () -> Futures.await(slice.write(size - 4096, ByteBuffer.wrap(ones))));
            assertEquals(Errno.EINVAL, e.errno());
            assertThrows(ImageException.class, () -> Futures.await(slice.write(size, ByteBuffer.wrap(ones, 0, 1))));
            assertThrows(ImageException.class, () -> Futures.await(slice.write(-1, ByteBuffer.wrap(ones, 0, 1))));
            assertThrows(ImageException.class, () -> Futures.await(slice.writeZeroes(size - 512, 1024, false)));
            assertThrows(ImageException.class, () -> Futures.await(slice.discard(0, size + 1)));
            assertThrows(ImageException.class, () -> Futures.await(slice.read(size - 1, ByteBuffer.allocate(2))));
            assertThrows(ImageException.class, () -> slice.blockStatus(size, 1));
        }
        assertArrayEquals(new byte[8192], TestDisks.readAt(disk, start + size - 4096, 8192));
    }

    @Test
    void writeZeroesAndDiscardStayInside() throws Exception {
        byte[] ones = new byte[3 * 65536];
        Arrays.fill(ones, (byte) 1);
        TestDisks.writeAt(disk, start + size - 65536, ones); // spills into partition 3
        try (RawImage image = TestDisks.open(disk, false, engine)) {
            Slice slice = secondPartition(image, false);
            Futures.await(slice.writeZeroes(size - 65536, 32768, false));
            Futures.await(slice.discard(size - 32768, 32768));
        }
        assertArrayEquals(new byte[65536], TestDisks.readAt(disk, start + size - 65536, 65536));
        byte[] after = TestDisks.readAt(disk, start + size, 2 * 65536);
        for (byte b : after) {
            assertEquals(1, b);
        }
    }

    @Test
    void blockStatusIsTranslatedAndClampedToTheWindow() throws Exception {
        TestDisks.writeAt(disk, start + MIB, random(65536, 4));
        try (RawImage image = TestDisks.open(disk, true, engine)) {
            Slice slice = secondPartition(image, false);
            BlockStatus data = slice.blockStatus(MIB, 65536);
            assertEquals(BlockStatus.Kind.DATA, data.kind());
            assertEquals(MIB, data.offset());
            assertEquals(65536, data.length());
            BlockStatus hole = slice.blockStatus(2 * MIB, size - 2 * MIB);
            assertEquals(BlockStatus.Kind.ZERO, hole.kind());
            assertEquals(2 * MIB, hole.offset());
            assertTrue(hole.length() > 0 && hole.length() <= size - 2 * MIB, hole.toString());
        }
    }

    @Test
    void readOnlyFollowsTheParentOrIsForced() throws Exception {
        try (RawImage image = TestDisks.open(disk, true, engine)) {
            Slice slice = secondPartition(image, false);
            assertTrue(slice.readOnly());
            ImageException e = assertThrows(ImageException.class,
                    () -> Futures.await(slice.write(0, ByteBuffer.allocate(512))));
            assertEquals(Errno.EROFS, e.errno());
        }
        try (RawImage image = TestDisks.open(disk, false, engine)) {
            Slice writable = secondPartition(image, false);
            assertFalse(writable.readOnly());
            Slice forced = secondPartition(image, true);
            assertTrue(forced.readOnly());
            ImageException e = assertThrows(ImageException.class,
                    () -> Futures.await(forced.write(0, ByteBuffer.allocate(512))));
            assertEquals(Errno.EROFS, e.errno());
        }
    }

    @Test
    void closingASliceLeavesTheParentOpen() throws Exception {
        byte[] data = random(512, 5);
        try (RawImage image = TestDisks.open(disk, false, engine)) {
            Slice slice = secondPartition(image, false);
            Futures.await(slice.write(0, ByteBuffer.wrap(data)));
            slice.close();
            assertThrows(ImageException.class, () -> Futures.await(slice.read(0, ByteBuffer.allocate(512))));
            ByteBuffer buf = ByteBuffer.allocate(512);
            Futures.await(image.read(start, buf));
            assertArrayEquals(data, buf.array());
        }
    }

    @Test
    void windowOutsideTheParentIsRefused() throws Exception {
        try (RawImage image = TestDisks.open(disk, true, engine)) {
            assertThrows(IllegalArgumentException.class, () -> new Slice(image, 15 * MIB, 2 * MIB, "x", false));
            assertThrows(IllegalArgumentException.class, () -> new Slice(image, -512, 1024, "x", false));
            assertThrows(IllegalArgumentException.class, () -> new Slice(image, 17 * MIB, 0, "x", false));
            assertEquals(List.of(), PartitionTableReader.read(image).warnings());
        }
    }
}
