package org.aiofs.image.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.aiofs.image.raw.RawImage;
import org.aiofs.image.EngineTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MbrTableTest extends EngineTestBase {
    private static final long MIB = 1 << 20;
    @TempDir
    Path dir;

    private PartitionTable read(Path disk) throws Exception {
        try (RawImage image = TestDisks.open(disk, true, engine)) {
            return PartitionTableReader.read(image);
        }
    }

    private static void assertMatches(List<TestDisks.Expected> expected, PartitionTable table, int sectorSize) {
        assertEquals(expected.size(), table.partitions().size(), table.toString());
        for (int i = 0; i < expected.size(); i++) {
            TestDisks.Expected e = expected.get(i);
            Partition p = table.partitions().get(i);
            assertEquals(e.number(), p.number(), p.toString());
            assertEquals(e.start() * sectorSize, p.start(), p.toString());
            assertEquals(e.size() * sectorSize, p.size(), p.toString());
            assertEquals(Integer.parseInt(e.type(), 16), Integer.parseInt(p.type(), 16), p.toString());
            assertEquals(e.number() == 4, p.container(), p.toString());
            assertNull(p.name());
            assertNull(p.guid());
        }
    }

    @Test
    void threePrimariesAndThreeLogicalsMatchSfdisk() throws Exception {
        Path disk = TestDisks.blank(dir, "mbr.img", 64 * MIB);
        TestDisks.sfdisk(disk, "label: dos\n,8M,83\n,8M,c\n,8M,82\n,,5\n,4M,83\n,4M,7\n,,83\n");
        List<TestDisks.Expected> expected = TestDisks.sfdiskJson(disk);
        assertEquals(7, expected.size());

        PartitionTable table = read(disk);

        assertEquals(PartitionScheme.MBR, table.scheme());
        assertEquals(512, table.sectorSize());
        assertEquals(List.of(), table.warnings());
        assertMatches(expected, table, 512);
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), table.partitions().stream().map(Partition::number).toList());
        assertEquals("0c", table.partitions().get(1).type());
        assertEquals(expected.get(6).start() * 512, table.partition(7).orElseThrow().start());

        // the MBR and each logical partition's EBR (the sector before it, as sfdisk lays them out)
        assertTrue(table.touchesTable(510, 2));
        for (int n = 5; n <= 7; n++) {
            long ebr = table.partition(n).orElseThrow().start() - 2048 * 512;
            assertTrue(table.touchesTable(ebr, 1), "EBR of partition " + n);
        }
        assertEquals(4, table.structures().size(), table.structures().toString());
        assertFalse(table.touchesTable(table.partition(1).orElseThrow().start(), 1 << 20));
    }

    @Test
    void mbrWith4096ByteSectorsMatchesFdisk() throws Exception {
        Path disk = TestDisks.blank(dir, "mbr4k.img", 64 * MIB);
        TestDisks.fdisk4k(dir, disk, "label: dos\nsize=8M, type=83\nsize=8M, type=c\nsize=8M, type=82\n"
                + "type=5\nsize=4M, type=83\nsize=4M, type=7\ntype=83\n");
        List<TestDisks.Expected> expected = TestDisks.fdisk4kDump(dir, disk);
        assertEquals(7, expected.size());

        PartitionTable table;
        try (RawImage image = TestDisks.open(disk, true, engine)) {
            table = PartitionTableReader.read(image, 4096);
        }

        assertEquals(4096, table.sectorSize());
        assertEquals(List.of(), table.warnings());
        assertMatches(expected, table, 4096);
    }

    @Test
    void partitionPastTheDiskIsLeftOutWithAWarning() throws Exception {
        Path disk = TestDisks.blank(dir, "past.img", 8 * MIB); // 16384 sectors
        TestDisks.writeAt(disk, 0, new TestDisks.MbrBuilder()
                .slot(0, 0x83, 2048, 4096)
                .slot(1, 0x83, 8192, 16384) // ends at sector 24576
                .slot(2, 0x83, 100_000, 10) // starts past the end
                .bytes());

        PartitionTable table = read(disk);

        assertEquals(List.of(1), table.partitions().stream().map(Partition::number).toList());
        assertEquals(2, table.warnings().size(), table.warnings().toString());
        assertTrue(table.warnings().get(0).startsWith("partition 2 "), table.warnings().toString());
        assertTrue(table.warnings().get(0).contains("past the end of the disk"), table.warnings().toString());
        assertTrue(table.warnings().get(1).startsWith("partition 3 "), table.warnings().toString());
    }

    @Test
    void overlappingPartitionIsLeftOut() throws Exception {
        Path disk = TestDisks.blank(dir, "overlap.img", 8 * MIB);
        TestDisks.writeAt(disk, 0, new TestDisks.MbrBuilder()
                .slot(0, 0x83, 2048, 4096)
                .slot(1, 0x83, 4000, 2000)
                .slot(2, 0x83, 6144, 2048)
                .bytes());

        PartitionTable table = read(disk);

        assertEquals(List.of(1, 3), table.partitions().stream().map(Partition::number).toList());
        assertEquals(1, table.warnings().size());
        assertTrue(table.warnings().get(0).contains("overlaps partition 1"), table.warnings().toString());
    }

    @Test
    void ebrChainThatLoopsStopsWithAWarning() throws Exception {
        Path disk = TestDisks.blank(dir, "loop.img", 8 * MIB);
        long ext = 2048;
        TestDisks.writeAt(disk, 0, new TestDisks.MbrBuilder().slot(0, 0x83, 63, 1000).slot(1, 0x05, ext, 8192).bytes());
        // EBR A (at the extended start) -> EBR B (ext + 2048) -> back to A
        TestDisks.writeAt(disk, ext * 512, new TestDisks.MbrBuilder()
                .slot(0, 0x83, 63, 1000).slot(1, 0x05, 2048, 2048).bytes());
        TestDisks.writeAt(disk, (ext + 2048) * 512, new TestDisks.MbrBuilder()
                .slot(0, 0x83, 63, 1000).slot(1, 0x0f, 0, 2048).bytes());

        PartitionTable table = read(disk);

        assertEquals(List.of(1, 2, 5, 6), table.partitions().stream().map(Partition::number).toList());
        assertEquals((ext + 63) * 512, table.partitions().get(2).start());
        assertEquals((ext + 2048 + 63) * 512, table.partitions().get(3).start());
        assertEquals(1, table.warnings().size(), table.warnings().toString());
        assertTrue(table.warnings().get(0).contains("loops back to byte " + ext * 512), table.warnings().toString());
    }

    @Test
    void ebrSelfLinkWithoutDataStops() throws Exception {
        Path disk = TestDisks.blank(dir, "selfloop.img", 8 * MIB);
        TestDisks.writeAt(disk, 0, new TestDisks.MbrBuilder().slot(0, 0x85, 2048, 8192).bytes());
        TestDisks.writeAt(disk, 2048 * 512, new TestDisks.MbrBuilder().slot(0, 0x05, 0, 8192).bytes());

        PartitionTable table = read(disk);

        assertEquals(List.of(1), table.partitions().stream().map(Partition::number).toList());
        assertTrue(table.partitions().get(0).container());
        assertEquals(1, table.warnings().size(), table.warnings().toString());
        assertTrue(table.warnings().get(0).contains("loops back"), table.warnings().toString());
    }

    @Test
    void ebrLinkPastTheDiskStopsWithAWarning() throws Exception {
        Path disk = TestDisks.blank(dir, "ebrpast.img", 8 * MIB);
        TestDisks.writeAt(disk, 0, new TestDisks.MbrBuilder().slot(0, 0x05, 2048, 8192).bytes());
        TestDisks.writeAt(disk, 2048 * 512, new TestDisks.MbrBuilder()
                .slot(0, 0x83, 63, 1000).slot(1, 0x05, 4_000_000_000L, 100).bytes());

        PartitionTable table = read(disk);

        assertEquals(List.of(1, 5), table.partitions().stream().map(Partition::number).toList());
        assertEquals(1, table.warnings().size(), table.warnings().toString());
        assertTrue(table.warnings().get(0).contains("past the end of the disk"), table.warnings().toString());
    }

    @Test
    void blankDiskHasNoTableAndNoWarning() throws Exception {
        PartitionTable table = read(TestDisks.blank(dir, "blank.img", 4 * MIB));
        assertEquals(PartitionScheme.NONE, table.scheme());
        assertEquals(List.of(), table.partitions());
        assertEquals(List.of(), table.warnings());
        assertTrue(table.touchesTable(0, 512), "a new table written to sector 0 must be noticed");
        assertFalse(table.touchesTable(1 << 20, 512));
    }

    @Test
    void tinyDiskHasNoTable() throws Exception {
        PartitionTable table = read(TestDisks.blank(dir, "tiny.img", 100));
        assertEquals(PartitionScheme.NONE, table.scheme());
        assertEquals(List.of(), table.warnings());
    }

    @Test
    void bootSectorWithBadBootIndicatorsIsNotATable() throws Exception {
        Path disk = TestDisks.blank(dir, "fat.img", 4 * MIB);
        TestDisks.writeAt(disk, 0, new TestDisks.MbrBuilder().slot(0, 0x83, 2048, 100).bootIndicator(0, 0x12).bytes());

        PartitionTable table = read(disk);

        assertEquals(PartitionScheme.NONE, table.scheme());
        assertFalse(table.warnings().iterator().hasNext());
    }
}
