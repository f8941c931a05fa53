package org.aiofs.image.partition;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Reads a GUID partition table: the primary header at LBA 1 (sector size 512 or 4096, found
 * by where "EFI PART" sits) and its entries, both CRC-checked; when the primary is damaged,
 * the backup header at the last LBA, with a warning saying so. Entries are numbered by their
 * index + 1, as Linux numbers them.
 */
final class GptReader {
    static final int[] SECTOR_SIZES = {512, 4096};
    private static final int NAME_OFFSET = 56;
    private static final int NAME_BYTES = 72;

    private final DiskBytes disk;
    private final List<String> warnings;

    GptReader(DiskBytes disk, List<String> warnings) {
        this.disk = disk;
        this.warnings = warnings;
    }

    /** A header whose entries passed their CRC, with the sector size it was found at. */
    private record ValidGpt(GptHeader header, int sectorSize, ByteBuffer entries) {
    }

    /** The table, or null when neither the primary nor a backup header is valid (warned). */
    PartitionTable read() throws IOException {
        String primaryProblem = null;
        int primarySectorSize = 0;
        ValidGpt primary = null;
        for (int ss : SECTOR_SIZES) {
            ByteBuffer sector = disk.read(ss, ss);
            if (!GptHeader.hasSignature(sector)) {
                continue;
            }
            try {
                primary = load(sector, 1, ss);
                break;
            } catch (GptHeader.Invalid e) {
                if (primaryProblem == null) {
                    primaryProblem = e.getMessage();
                    primarySectorSize = ss;
                }
            }
        }
        if (primary != null) {
            checkBackup(primary.sectorSize());
            return table(primary);
        }
        String why = primaryProblem == null ? "has no \"EFI PART\" signature" : "is damaged: " + primaryProblem;
        List<String> backupProblems = new ArrayList<>();
        for (int ss : backupOrder(primarySectorSize)) {
            long lastLba = disk.size() / ss - 1;
            if (lastLba < 2) {
                continue;
            }
            ByteBuffer sector = disk.read(lastLba * ss, ss);
            if (!GptHeader.hasSignature(sector)) {
                continue;
            }
            try {
                ValidGpt backup = load(sector, lastLba, ss);
                warnings.add("primary GPT header at LBA 1 " + why + "; using the backup GPT header at LBA " + lastLba
                        + " (" + ss + "-byte sectors)");
                return table(backup);
            } catch (GptHeader.Invalid e) {
                backupProblems.add("backup at LBA " + lastLba + " (" + ss + "-byte sectors): " + e.getMessage());
            }
        }
        warnings.add("protective MBR found but no valid GPT: primary GPT header " + why
                + (backupProblems.isEmpty() ? "; no backup GPT header at the last LBA"
                        : "; " + String.join("; ", backupProblems)));
        return null;
    }

    private static int[] backupOrder(int preferred) {
        return preferred == 4096 ? new int[] {4096, 512} : SECTOR_SIZES;
    }

    /** A valid primary with a missing or broken backup still works, but deserves a word. */
    private void checkBackup(int ss) throws IOException {
        long lastLba = disk.size() / ss - 1;
        ByteBuffer sector = disk.read(lastLba * ss, ss);
        try {
            load(sector, lastLba, ss);
        } catch (GptHeader.Invalid e) {
            warnings.add("backup GPT header at the last LBA " + lastLba + " is not valid (" + e.getMessage()
                    + "); the primary is used");
        }
    }

    private ValidGpt load(ByteBuffer sector, long lba, int ss) throws IOException, GptHeader.Invalid {
        GptHeader header = GptHeader.parse(sector, lba, disk.size() / ss);
        ByteBuffer entries = disk.read(header.entriesLba() * ss, (int) header.entriesBytes());
        if (entries == null) { // parse() checked the extent; a disk that shrank since lands here
            throw new GptHeader.Invalid("partition entries lie past the end of the disk");
        }
        CRC32 crc = new CRC32();
        crc.update(entries.array(), 0, entries.limit());
        if ((int) crc.getValue() != header.entriesCrc()) {
            throw new GptHeader.Invalid(String.format("partition entries CRC32 is 0x%08x, computed 0x%08x",
                    header.entriesCrc(), (int) crc.getValue()));
        }
        return new ValidGpt(header, ss, entries);
    }

    private PartitionTable table(ValidGpt gpt) {
        GptHeader h = gpt.header();
        int ss = gpt.sectorSize();
        ByteBuffer entries = gpt.entries();
        List<Partition> found = new ArrayList<>();
        for (int i = 0; i < h.entryCount(); i++) {
            int at = i * h.entrySize();
            if (GptGuid.isZero(entries, at)) {
                continue;
            }
            int number = i + 1;
            if (number > MbrReader.MAX_PARTITION_NUMBER) {
                warnings.add("GPT entry " + number + " and later: Linux numbers at most " + MbrReader.MAX_PARTITION_NUMBER
                        + " partitions; left out");
                break;
            }
            long firstLba = entries.getLong(at + 32);
            long lastLba = entries.getLong(at + 40);
            long size = Long.compareUnsigned(lastLba, firstLba) < 0 ? 0 : bytes(lastLba - firstLba + 1, ss);
            found.add(new Partition(number, GptGuid.format(entries, at), bytes(firstLba, ss), size,
                    name(entries, at + NAME_OFFSET), GptGuid.format(entries, at + 16), false));
        }
        List<Partition> kept = PartitionExtentCheck.keepSound(found, disk.size(), warnings);
        return new PartitionTable(PartitionScheme.GPT, ss, kept, warnings, structures(h, ss));
    }

    /**
     * Outside the usable LBAs lie the MBR, both headers and, as every tool lays them out,
     * both entry arrays; the entry array of the header used is added in case it is elsewhere.
     */
    private List<ByteRange> structures(GptHeader h, int ss) {
        long usableStart = (h.firstUsableLba()) * ss;
        long usableEnd = (h.lastUsableLba() + 1) * ss; // parse() bounded both by the disk
        return List.of(new ByteRange(0, Math.max(usableStart, 2L * ss)),
                new ByteRange(usableEnd, disk.size() - usableEnd),
                new ByteRange(h.entriesLba() * ss, h.entriesBytes()),
                PartitionTable.NEW_TABLE_AREA);
    }

    /** Sectors to bytes; counts too large for a long become Long.MAX_VALUE, past any disk. */
    private static long bytes(long sectors, int ss) {
        return sectors < 0 || sectors > Long.MAX_VALUE / ss ? Long.MAX_VALUE : sectors * ss;
    }

    private static String name(ByteBuffer entries, int at) {
        byte[] raw = new byte[NAME_BYTES];
        entries.get(at, raw);
        int len = 0;
        while (len + 1 < NAME_BYTES && (raw[len] != 0 || raw[len + 1] != 0)) {
            len += 2;
        }
        return new String(raw, 0, len, StandardCharsets.UTF_16LE);
    }
}
