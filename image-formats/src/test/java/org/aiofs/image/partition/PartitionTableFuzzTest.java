package org.aiofs.image.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.aiofs.image.raw.RawImage;
import org.aiofs.image.EngineTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random damage to real and hand-made tables: reading must always finish, never throw, and
 * return only partitions that lie inside the disk without overlapping.
 */
class PartitionTableFuzzTest extends EngineTestBase {
    private static final long DISK = 4 << 20;
    private static final int[] TYPES = {0x00, 0x83, 0x05, 0x0f, 0x85, 0x07, 0xee};
    @TempDir
    Path dir;

    private PartitionTable readChecked(Path disk) throws Exception {
        PartitionTable table;
        try (RawImage image = TestDisks.open(disk, true, engine)) {
            table = PartitionTableReader.read(image);
        }
        Set<Integer> numbers = new HashSet<>();
        List<Partition> parts = table.partitions();
        for (Partition p : parts) {
            assertTrue(numbers.add(p.number()), table.toString());
            assertTrue(p.number() >= 1 && p.number() <= 255, table.toString());
            assertTrue(p.size() > 0 && p.start() >= 0 && p.end() <= DISK, table.toString());
            for (Partition q : parts) {
                boolean nested = p.container() != q.container() && (p.number() >= 5 || q.number() >= 5);
                if (p != q && !nested) {
                    assertTrue(p.end() <= q.start() || q.end() <= p.start(), table.toString());
                }
            }
        }
        return table;
    }

    @Test
    void randomMbrAndEbrSectors() throws Exception {
        Path disk = TestDisks.blank(dir, "mbr.img", DISK);
        Random rnd = new Random(42);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int round = 0; round < 300; round++) {
                // EBRs sit on a few sector numbers so that links find each other and loop
                for (int s = 0; s < 8; s++) {
                    TestDisks.MbrBuilder b = new TestDisks.MbrBuilder();
                    for (int i = 0; i < 4; i++) {
                        b.slot(i, TYPES[rnd.nextInt(TYPES.length)], rnd.nextInt(4) == 0 ? rnd.nextInt()
                                : 64L * rnd.nextInt(8), rnd.nextInt(4) == 0 ? rnd.nextInt() : 1 + rnd.nextInt(8192));
                    }
                    TestDisks.writeAt(disk, s * 64L * 512, b.bytes());
                }
                PartitionTable table = readChecked(disk);
                if (table.partitions().size() > 40) {
                    throw new AssertionError("runaway chain: " + table);
                }
            }
        });
    }

    @Test
    void randomDamageToARealGpt() throws Exception {
        Path pristine = TestDisks.blank(dir, "pristine.img", DISK);
        TestDisks.sfdisk(pristine, "label: gpt\nsize=1M\nsize=1M\nsize=512K\n");
        Path disk = dir.resolve("gpt.img");
        Random rnd = new Random(7);
        int stillThree = 0;
        for (int round = 0; round < 200; round++) {
            Files.copy(pristine, disk, StandardCopyOption.REPLACE_EXISTING);
            boolean backupToo = rnd.nextBoolean();
            for (int n = 0; n < 1 + rnd.nextInt(6); n++) {
                long at = rnd.nextBoolean() ? 512 + rnd.nextInt(92) : 1024 + rnd.nextInt(3 * 128);
                TestDisks.writeAt(disk, at, new byte[] {(byte) rnd.nextInt()});
                if (backupToo) {
                    TestDisks.writeAt(disk, DISK - 512 + rnd.nextInt(92), new byte[] {(byte) rnd.nextInt()});
                }
            }
            if (rnd.nextBoolean()) { // make the damage pass the CRCs, when the entry array is still in place
                ByteBuffer h = ByteBuffer.wrap(TestDisks.readAt(disk, 512, 92)).order(ByteOrder.LITTLE_ENDIAN);
                long bytes = Integer.toUnsignedLong(h.getInt(80)) * Integer.toUnsignedLong(h.getInt(84));
                if (h.getLong(72) == 2 && bytes <= 16384) {
                    TestDisks.refreshGptCrcs(disk, 512, 512);
                }
            }
            PartitionTable table = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> readChecked(disk));
            if (table.partitions().size() == 3) {
                stillThree++;
            }
        }
        assertTrue(stillThree > 0, "the backup never rescued a damaged primary");
        assertEquals(3, readChecked(pristine).partitions().size());
    }
}
