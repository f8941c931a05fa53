package org.aiofs.image.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.aiofs.image.raw.RawImage;
import org.aiofs.image.EngineTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GptTableTest extends EngineTestBase {
    private static final long MIB = 1 << 20;
    private static final String LINUX = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";
    private static final String ESP = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
    private static final String SWAP = "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F";
    private static final String HOME = "933AC7E1-2EB4-4F13-B844-0E14E2AEF915";
    private static final String FOUR = "label: gpt\n"
            + "size=4M, type=" + ESP + ", name=\"EFI system\"\n"
            + "size=8M, type=" + LINUX + ", name=\"root fs\"\n"
            + "size=2M, type=" + SWAP + ", name=\"swap\"\n"
            + "size=4M, type=" + HOME + ", name=\"h\u00e9me\"\n";

    @TempDir
    Path dir;

    private PartitionTable read(Path disk) throws Exception {
        try (RawImage image = TestDisks.open(disk, true, engine)) {
            return PartitionTableReader.read(image);
        }
    }

    private static void assertMatches(List<TestDisks.Expected> expected, PartitionTable table, int sectorSize) {
        assertEquals(PartitionScheme.GPT, table.scheme());
        assertEquals(sectorSize, table.sectorSize());
        assertEquals(expected.size(), table.partitions().size(), table.toString());
        for (int i = 0; i < expected.size(); i++) {
            TestDisks.Expected e = expected.get(i);
            Partition p = table.partitions().get(i);
            assertEquals(e.number(), p.number(), p.toString());
            assertEquals(e.start() * sectorSize, p.start(), p.toString());
            assertEquals(e.size() * sectorSize, p.size(), p.toString());
            assertEquals(e.type(), p.type(), p.toString());
            assertEquals(e.uuid(), p.guid(), p.toString());
            assertEquals(e.name(), p.name(), p.toString());
        }
    }

    private Path fourPartitionDisk() throws Exception {
        Path disk = TestDisks.blank(dir, "gpt.img", 32 * MIB);
        TestDisks.sfdisk(disk, FOUR);
        return disk;
    }

    @Test
    void fourNamedPartitionsMatchSfdisk() throws Exception {
        Path disk = fourPartitionDisk();
        List<TestDisks.Expected> expected = TestDisks.sfdiskJson(disk);
        assertEquals(4, expected.size());
        assertEquals("h\u00e9me", expected.get(3).name());

        PartitionTable table = read(disk);

        assertEquals(List.of(), table.warnings());
        assertMatches(expected, table, 512);
        assertTrue(table.touchesTable(512, 8));                // primary header
        assertTrue(table.touchesTable(1024 + 127 * 128, 128));  // last primary entry
        assertTrue(table.touchesTable(32 * MIB - 512, 512));    // backup header
        assertTrue(table.touchesTable(32 * MIB - 33 * 512, 1)); // backup entries
        assertFalse(table.touchesTable(table.partition(1).orElseThrow().start(), 4 * MIB));
    }

    @Test
    void fourKSectorsMatchFdisk() throws Exception {
        Path disk = TestDisks.blank(dir, "gpt4k.img", 64 * MIB);
        TestDisks.fdisk4k(dir, disk, FOUR);
        List<TestDisks.Expected> expected = TestDisks.fdisk4kDump(dir, disk);
        assertEquals(4, expected.size());

        PartitionTable table = read(disk);

        assertEquals(List.of(), table.warnings());
        assertMatches(expected, table, 4096);
    }

    @Test
    void damagedPrimaryHeaderFallsBackToBackup() throws Exception {
        Path disk = fourPartitionDisk();
        List<TestDisks.Expected> expected = TestDisks.sfdiskJson(disk);
        TestDisks.writeAt(disk, 512 + 40, new byte[] {1, 2, 3, 4}); // first usable LBA: header CRC breaks

        PartitionTable table = read(disk);

        assertMatches(expected, table, 512);
        assertEquals(1, table.warnings().size(), table.warnings().toString());
        String warning = table.warnings().get(0);
        assertTrue(warning.contains("primary GPT header at LBA 1 is damaged: header CRC32"), warning);
        assertTrue(warning.contains("using the backup GPT header at LBA " + (32 * MIB / 512 - 1)), warning);
    }

    @Test
    void wipedPrimaryHeaderFallsBackToBackup() throws Exception {
        Path disk = fourPartitionDisk();
        List<TestDisks.Expected> expected = TestDisks.sfdiskJson(disk);
        TestDisks.writeAt(disk, 512, new byte[512]);

        PartitionTable table = read(disk);

        assertMatches(expected, table, 512);
        assertEquals(1, table.warnings().size(), table.warnings().toString());
        assertTrue(table.warnings().get(0).contains("has no \"EFI PART\" signature; using the backup"),
                table.warnings().toString());
    }

    @Test
    void wipedPrimaryOn4kDiskFallsBackToBackup() throws Exception {
        Path disk = TestDisks.blank(dir, "gpt4k.img", 64 * MIB);
        TestDisks.fdisk4k(dir, disk, FOUR);
        List<TestDisks.Expected> expected = TestDisks.fdisk4kDump(dir, disk);
        TestDisks.writeAt(disk, 4096, new byte[4096]);

        PartitionTable table = read(disk);

        assertMatches(expected, table, 4096);
        assertEquals(1, table.warnings().size(), table.warnings().toString());
        assertTrue(table.warnings().get(0).contains("4096-byte sectors"), table.warnings().toString());
    }

    @Test
    void damagedPrimaryEntriesFallBackToBackup() throws Exception {
        Path disk = fourPartitionDisk();
        List<TestDisks.Expected> expected = TestDisks.sfdiskJson(disk);
        TestDisks.writeAt(disk, 1024 + 56, new byte[] {'X'}); // a name in entry 1

        PartitionTable table = read(disk);

        assertMatches(expected, table, 512);
        assertEquals(1, table.warnings().size(), table.warnings().toString());
        assertTrue(table.warnings().get(0).contains("partition entries CRC32"), table.warnings().toString());
    }

    @Test
    void bothHeadersDamagedGivesNoPartitionsAndAWarning() throws Exception {
        Path disk = fourPartitionDisk();
        TestDisks.writeAt(disk, 512 + 40, new byte[] {1});
        TestDisks.writeAt(disk, 32 * MIB - 512 + 40, new byte[] {1});

        PartitionTable table = read(disk);

        assertEquals(PartitionScheme.NONE, table.scheme());
        assertEquals(List.of(), table.partitions());
        assertEquals(1, table.warnings().size(), table.warnings().toString());
        assertTrue(table.warnings().get(0).startsWith("protective MBR found but no valid GPT"),
                table.warnings().toString());
    }

    @Test
    void damagedBackupIsReportedWhilePrimaryIsUsed() throws Exception {
        Path disk = fourPartitionDisk();
        List<TestDisks.Expected> expected = TestDisks.sfdiskJson(disk);
        TestDisks.writeAt(disk, 32 * MIB - 512 + 40, new byte[] {1});

        PartitionTable table = read(disk);

        assertMatches(expected, table, 512);
        assertEquals(1, table.warnings().size(), table.warnings().toString());
        assertTrue(table.warnings().get(0).startsWith("backup GPT header at the last LBA"), table.warnings().toString());
    }

    @Test
    void absurdEntryCountIsRefused() throws Exception {
        Path disk = fourPartitionDisk();
        TestDisks.patchGptHeader(disk, 512, 80, 0x7fff_ffffL, 4);
        TestDisks.patchGptHeader(disk, 32 * MIB - 512, 80, 0x7fff_ffffL, 4);

        PartitionTable table = read(disk);

        assertEquals(List.of(), table.partitions());
        assertEquals(1, table.warnings().size(), table.warnings().toString());
        assertTrue(table.warnings().get(0).contains("exceed the 4194304-byte limit"), table.warnings().toString());
    }

    @Test
    void entrySizeThatIsNotAPowerOfTwoTimes128IsRefused() throws Exception {
        Path disk = fourPartitionDisk();
        List<TestDisks.Expected> expected = TestDisks.sfdiskJson(disk);
        TestDisks.patchGptHeader(disk, 512, 84, 200, 4);

        PartitionTable table = read(disk);

        assertMatches(expected, table, 512); // from the backup
        assertTrue(table.warnings().get(0).contains("partition entry size 200"), table.warnings().toString());
    }

    @Test
    void entryPastTheDiskIsLeftOut() throws Exception {
        Path disk = fourPartitionDisk();
        List<TestDisks.Expected> expected = TestDisks.sfdiskJson(disk);
        // entry 3 (index 2) now ends far past the disk, in both copies, CRCs made consistent
        byte[] hugeLastLba = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0};
        TestDisks.writeAt(disk, 1024 + 2 * 128 + 40, hugeLastLba);
        TestDisks.refreshGptCrcs(disk, 512, 512);
        long backupEntries = (32 * MIB / 512 - 33) * 512;
        TestDisks.writeAt(disk, backupEntries + 2 * 128 + 40, hugeLastLba);
        TestDisks.refreshGptCrcs(disk, 32 * MIB - 512, 512);

        PartitionTable table = read(disk);

        assertEquals(List.of(1, 2, 4), table.partitions().stream().map(Partition::number).toList());
        assertEquals(expected.get(3).start() * 512, table.partitions().get(2).start());
        assertEquals(1, table.warnings().size(), table.warnings().toString());
        assertTrue(table.warnings().get(0).startsWith("partition 3 "), table.warnings().toString());
        assertTrue(table.warnings().get(0).contains("past the end of the disk"), table.warnings().toString());
    }

    @Test
    void entryEndingBeforeItStartsIsLeftOut() throws Exception {
        Path disk = fourPartitionDisk();
        TestDisks.writeAt(disk, 1024 + 40, new byte[8]); // entry 1: last LBA 0
        TestDisks.refreshGptCrcs(disk, 512, 512);

        PartitionTable table = read(disk);

        assertEquals(List.of(2, 3, 4), table.partitions().stream().map(Partition::number).toList());
        assertTrue(table.warnings().contains("partition 1 (start 1048576, 0 bytes) has no length; left out"),
                table.warnings().toString());
    }
}
