package org.aiofs.image.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.image.raw.RawImage;
import org.aiofs.testing.Tool;

/** Raw disk files for partition tests: made by sfdisk/fdisk, or written by hand. */
final class TestDisks {
    private TestDisks() {
    }

    /** One partition as util-linux reports it, in sectors. */
    record Expected(int number, long start, long size, String type, String uuid, String name) {
    }

    static Path blank(Path dir, String name, long size) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    static RawImage open(Path path, boolean readOnly, IoEngine engine) throws IOException {
        return new RawImage(HostFile.open(path, readOnly, false), engine);
    }

    /** Runs a command with {@code input} on stdin; returns stdout, failing on a non-zero exit. */
    static String run(String input, String... command) {
        return Tool.run(null, Duration.ofSeconds(60), Map.of(), input, List.of(command)).assertSuccess().stdout();
    }

    static void sfdisk(Path disk, String script) throws IOException, InterruptedException {
        run(script, "sfdisk", "-q", disk.toString());
    }

    /** Partitions as {@code sfdisk --json} reads them (512-byte sectors). */
    static List<Expected> sfdiskJson(Path disk) throws IOException, InterruptedException {
        JsonNode table = new ObjectMapper().readTree(run("", "sfdisk", "--json", disk.toString()))
                .get("partitiontable");
        List<Expected> out = new ArrayList<>();
        for (JsonNode p : table.get("partitions")) {
            String node = p.get("node").asText();
            out.add(new Expected(Integer.parseInt(node.substring(disk.toString().length())),
                    p.get("start").asLong(), p.get("size").asLong(), p.get("type").asText(),
                    p.has("uuid") ? p.get("uuid").asText() : null, p.has("name") ? p.get("name").asText() : null));
        }
        return out;
    }

    /**
     * Writes a table with 4096-byte logical sectors. This sfdisk (util-linux 2.38) has no
     * --sector-size, so fdisk -b 4096 loads an sfdisk script with its I command.
     */
    static void fdisk4k(Path dir, Path disk, String script) throws IOException, InterruptedException {
        Path file = dir.resolve("layout.sfdisk");
        Files.writeString(file, script);
        run("I\n" + file + "\nw\n", "fdisk", "-b", "4096", disk.toString());
    }

    private static final Pattern DUMP_LINE = Pattern.compile(
            "^(\\S+?)(\\d+) : start=\\s*(\\d+), size=\\s*(\\d+), type=([^,\\s]+)(?:, uuid=([^,\\s]+))?(?:, name=\"([^\"]*)\")?.*$",
            Pattern.MULTILINE);

    /** Partitions as fdisk -b 4096 reads them, from its sfdisk-format dump (O command). */
    static List<Expected> fdisk4kDump(Path dir, Path disk) throws IOException, InterruptedException {
        Path file = dir.resolve("dump.sfdisk");
        Files.deleteIfExists(file);
        run("O\n" + file + "\nq\n", "fdisk", "-b", "4096", disk.toString());
        String dump = Files.readString(file);
        assertEquals(true, dump.contains("sector-size: 4096"), dump);
        List<Expected> out = new ArrayList<>();
        Matcher m = DUMP_LINE.matcher(dump);
        while (m.find()) {
            out.add(new Expected(Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)), Long.parseLong(m.group(4)),
                    m.group(5), m.group(6), m.group(7) == null ? null : unescape(m.group(7))));
        }
        return out;
    }

    /** fdisk's dump writes non-ASCII name bytes as \xHH escapes of their UTF-8 form. */
    private static String unescape(String s) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            if (s.startsWith("\\x", i) && i + 4 <= s.length()) {
                bytes.write(Integer.parseInt(s.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                bytes.write(s.charAt(i));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static void writeAt(Path disk, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    static byte[] readAt(Path disk, long offset, int length) throws IOException {
        byte[] b = new byte[length];
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "r")) {
            f.seek(offset);
            f.readFully(b);
        }
        return b;
    }

    /** A 512-byte MBR/EBR sector with the 0x55AA signature and the given slots. */
    static final class MbrBuilder {
        private final ByteBuffer sector = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);

        MbrBuilder() {
            sector.put(510, (byte) 0x55).put(511, (byte) 0xaa);
        }

        MbrBuilder slot(int index, int type, long firstSector, long sectors) {
            int at = 0x1be + 16 * index;
            sector.put(at + 4, (byte) type);
            sector.putInt(at + 8, (int) firstSector);
            sector.putInt(at + 12, (int) sectors);
            return this;
        }

        MbrBuilder bootIndicator(int index, int value) {
            sector.put(0x1be + 16 * index, (byte) value);
            return this;
        }

        byte[] bytes() {
            return sector.array().clone();
        }
    }

    /** Rewrites a little-endian field of a GPT header and fixes its CRC32 so it still passes. */
    static void patchGptHeader(Path disk, long headerOffset, int fieldOffset, long value, int width)
            throws IOException {
        ByteBuffer h = ByteBuffer.wrap(readAt(disk, headerOffset, 92)).order(ByteOrder.LITTLE_ENDIAN);
        if (width == 8) {
            h.putLong(fieldOffset, value);
        } else {
            h.putInt(fieldOffset, (int) value);
        }
        fixHeaderCrc(h);
        writeAt(disk, headerOffset, h.array());
    }

    /** Recomputes the entry array CRC (in the header) and then the header CRC. */
    static void refreshGptCrcs(Path disk, long headerOffset, int sectorSize) throws IOException {
        ByteBuffer h = ByteBuffer.wrap(readAt(disk, headerOffset, 92)).order(ByteOrder.LITTLE_ENDIAN);
        long entriesAt = h.getLong(72) * sectorSize;
        int bytes = h.getInt(80) * h.getInt(84);
        CRC32 crc = new CRC32();
        crc.update(readAt(disk, entriesAt, bytes));
        h.putInt(88, (int) crc.getValue());
        fixHeaderCrc(h);
        writeAt(disk, headerOffset, h.array());
    }

    private static void fixHeaderCrc(ByteBuffer h) {
        h.putInt(16, 0);
        CRC32 crc = new CRC32();
        crc.update(h.array(), 0, Math.min(92, Math.max(0, h.getInt(12)))); // a damaged size: CRC stays wrong
        h.putInt(16, (int) crc.getValue());
    }
}
