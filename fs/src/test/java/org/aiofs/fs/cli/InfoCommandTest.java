package org.aiofs.fs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** `aiofs info` says what `qemu-img info` says, on the facts it shows. */
class InfoCommandTest {
    @TempDir
    Path dir;

    @Test
    void jsonMatchesQemuImgInfo() throws Exception {
        Tool.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4096,refcount_bits=8", "base.qcow2", "4M");
        Tool.ok(dir, "qemu-io", "-c", "write -P 1 0 100k", "base.qcow2");
        Tool.ok(dir, "qemu-img", "snapshot", "-c", "snap1", "base.qcow2");
        Tool.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "-o",
                "compression_type=zstd,extended_l2=on,lazy_refcounts=on,data_file=top.data", "top.qcow2", "6M");
        Tool.ok(dir, "qemu-io", "-c", "write -P 2 0 200k", "top.qcow2");
        ObjectMapper json = new ObjectMapper();
        for (String image : List.of("base.qcow2", "top.qcow2")) {
            Path path = dir.resolve(image);
            JsonNode qemu = json.readTree(Tool.ok(dir, "qemu-img", "info", "--output=json", image));
            CliResult r = CliResult.aiofs("info", "--output", "json", path.toString());
            assertEquals(0, r.exit(), r.err());
            JsonNode ours = json.readTree(r.out());
            for (String key : List.of("format", "virtual-size", "cluster-size", "backing-filename",
                    "backing-filename-format", "dirty-flag")) {
                assertEquals(qemu.get(key), ours.get(key), image + " " + key);
            }
            JsonNode qd = qemu.get("format-specific").get("data");
            JsonNode od = ours.get("format-specific").get("data");
            for (String key : List.of("compat", "compression-type", "lazy-refcounts", "refcount-bits", "corrupt",
                    "extended-l2", "data-file", "data-file-raw")) {
                assertEquals(qd.get(key), od.get(key), image + " format-specific " + key);
            }
            assertEquals(qemu.has("snapshots"), ours.has("snapshots"), image);
            if (qemu.has("snapshots")) {
                for (int i = 0; i < qemu.get("snapshots").size(); i++) {
                    for (String key : List.of("id", "name", "date-sec", "date-nsec", "vm-state-size",
                            "vm-clock-nsec")) {
                        assertEquals(qemu.get("snapshots").get(i).get(key), ours.get("snapshots").get(i).get(key),
                                image + " snapshot " + key);
                    }
                }
            }
            // disk size: the image file's allocated blocks, as qemu-img counts them (not the data file's)
            assertEquals(qemu.get("actual-size"), ours.get("actual-size"), image + " actual-size");
        }
    }

    /** VHD, VHDX and VDI: the same keys as qemu-img info, and no format-specific block (qemu-img has none). */
    @ParameterizedTest
    @CsvSource({"vpc, subformat=dynamic, ''", "vpc, subformat=fixed, vpc", "vpc, force_size=on, ''",
        "vhdx, subformat=dynamic, ''", "vhdx, 'subformat=fixed,block_size=1M', ''", "vdi, static=off, ''",
        "vdi, static=on, ''"})
    void blockMappedFormatsMatchQemuImgInfo(String format, String options, String named) throws Exception {
        Tool.ok(dir, "qemu-img", "create", "-q", "-f", format, "-o", options, "d.img", "20M");
        Tool.ok(dir, "qemu-io", "-f", format, "-c", "write -P 7 1M 3M", "d.img");
        List<String> formatOption = named.isEmpty() ? List.of() : List.of("-f", named);
        List<String> qemuCommand = new java.util.ArrayList<>(List.of("qemu-img", "info", "--output=json"));
        qemuCommand.addAll(formatOption);
        qemuCommand.add("d.img");
        JsonNode qemu = new ObjectMapper().readTree(Tool.ok(dir, qemuCommand.toArray(String[]::new)));
        List<String> ours = new java.util.ArrayList<>(List.of("info", "--output", "json"));
        ours.addAll(formatOption);
        ours.add(dir.resolve("d.img").toString());
        CliResult r = CliResult.aiofs(ours.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        for (String key : List.of("format", "virtual-size", "cluster-size", "backing-filename", "dirty-flag",
                "format-specific")) {
            assertEquals(qemu.get(key), json.get(key), format + " " + options + " " + key);
        }
        long qa = qemu.get("actual-size").asLong();
        long oa = json.get("actual-size").asLong();
        assertTrue(Math.abs(qa - oa) <= 65536, format + " actual-size " + oa + " vs qemu " + qa);
    }

    @Test
    void diskSizeCountsAllocatedBlocksAsQemuImgDoes() throws Exception {
        // preallocated: one extent of unwritten blocks, which SEEK_DATA does not see but st_blocks counts
        Tool.ok(dir, "qemu-img", "create", "-q", "-f", "raw", "-o", "preallocation=falloc", "falloc.raw", "64M");
        Tool.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "preallocation=falloc", "falloc.qcow2",
                "32M");
        ObjectMapper json = new ObjectMapper();
        for (String image : List.of("falloc.raw", "falloc.qcow2")) {
            JsonNode qemu = json.readTree(Tool.ok(dir, "qemu-img", "info", "--output=json", image));
            CliResult r = CliResult.aiofs("info", "--output", "json", dir.resolve(image).toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals(qemu.get("actual-size"), json.readTree(r.out()).get("actual-size"), image);
        }
        String qemuText = Tool.ok(dir, "qemu-img", "info", "falloc.raw");
        String ours = CliResult.aiofs("info", dir.resolve("falloc.raw").toString()).out();
        assertTrue(qemuText.contains("disk size: 64 MiB") && ours.contains("disk size: 64 MiB"), ours);
    }

    @Test
    void backingChainDescribesEveryLevelAsQemuImgDoes() throws Exception {
        Tool.ok(dir, "qemu-img", "create", "-q", "-f", "raw", "base.raw", "8M");
        Tool.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.raw", "-F", "raw", "mid.qcow2");
        Tool.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", "-b", "mid.qcow2",
                "-F", "qcow2", "top.qcow2");
        ObjectMapper json = new ObjectMapper();
        JsonNode qemu = json.readTree(Tool.ok(dir, "qemu-img", "info", "--backing-chain", "--output=json",
                "top.qcow2"));
        CliResult r = CliResult.aiofs("info", "--backing-chain", "--output", "json", dir.resolve("top.qcow2").toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode ours = json.readTree(r.out());
        assertEquals(3, qemu.size());
        assertEquals(qemu.size(), ours.size(), r.out());
        for (int i = 0; i < qemu.size(); i++) {
            for (String key : List.of("format", "virtual-size", "cluster-size", "backing-filename",
                    "backing-filename-format", "actual-size")) {
                assertEquals(qemu.get(i).get(key), ours.get(i).get(key), "level " + i + " " + key);
            }
        }
        String text = CliResult.aiofs("info", "--backing-chain", dir.resolve("top.qcow2").toString()).out();
        assertEquals(3, text.lines().filter(l -> l.startsWith("image: ")).count(), text);
        assertTrue(text.contains("\n\nimage: "), "levels are separated by an empty line, as qemu-img does:\n" + text);
    }

    @Test
    void textResemblesQemuImgInfo() throws Exception {
        Tool.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "compat=0.10", "v2.qcow2", "1536M");
        String qemu = Tool.ok(dir, "qemu-img", "info", "v2.qcow2");
        CliResult r = CliResult.aiofs("info", dir.resolve("v2.qcow2").toString());
        assertEquals(0, r.exit(), r.err());
        for (String line : List.of("file format: qcow2", "virtual size: 1.5 GiB (1610612736 bytes)",
                "cluster_size: 65536", "compat: 0.10", "refcount bits: 16")) {
            assertTrue(qemu.contains(line), "qemu-img says " + line + ":\n" + qemu);
            assertTrue(r.out().contains(line), "aiofs says " + line + ":\n" + r.out());
        }
    }

    @Test
    void malformedImageGivesOneLineAndExitOne() throws Exception {
        Tool.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "bad.qcow2", "1M");
        try (var f = new java.io.RandomAccessFile(dir.resolve("bad.qcow2").toFile(), "rw")) {
            f.seek(20);
            f.writeInt(40); // cluster_bits
        }
        CliResult r = CliResult.aiofs("info", dir.resolve("bad.qcow2").toString());
        assertEquals(1, r.exit());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("bad.qcow2") && r.err().contains("cluster_bits 40"), r.err());
    }
}
