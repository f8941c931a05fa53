package org.aiofs.fs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `aiofs create` makes what `qemu-img create` makes, judged by qemu-img info and check. */
class CreateCommandTest {
    @TempDir
    Path dir;

    private JsonNode info(String image) throws Exception {
        Tool.Result r = Tool.run(dir, "qemu-img", "info", "--output=json", image);
        assertEquals(0, r.exitCode(), r.stderr());
        return new ObjectMapper().readTree(r.stdout());
    }

    private String path(String name) {
        return dir.resolve(name).toString();
    }

    @Test
    void qcow2WithOptionsAndSuffixedSize() throws Exception {
        CliResult r = CliResult.aiofs("create", "-f", "qcow2", "-o", "cluster_size=16k,compression_type=zstd,extended_l2=on",
                "-o", "refcount_bits=64,lazy_refcounts=on", path("a.qcow2"), "3G");
        assertEquals(0, r.exit(), r.err());
        JsonNode info = info("a.qcow2");
        assertEquals(3L << 30, info.get("virtual-size").asLong());
        assertEquals(16384, info.get("cluster-size").asInt());
        JsonNode data = info.get("format-specific").get("data");
        assertEquals("zstd", data.get("compression-type").asText());
        assertTrue(data.get("extended-l2").asBoolean());
        assertTrue(data.get("lazy-refcounts").asBoolean());
        assertEquals(64, data.get("refcount-bits").asInt());
        assertEquals(0, Tool.run(dir, "qemu-io", "-c", "write -P 9 2G 1M", "a.qcow2").exitCode());
        assertEquals(0, Tool.run(dir, "qemu-img", "check", "a.qcow2").exitCode());
        assertEquals(0, CliResult.aiofs("check", path("a.qcow2")).exit());
    }

    @Test
    void backingWithoutSizeTakesTheBackingSizeAndProbedFormat() throws Exception {
        assertEquals(0, Tool.run(dir, "qemu-img", "create", "-q", "-f", "qcow2", "base.qcow2", "7M").exitCode());
        CliResult r = CliResult.aiofs("create", "-f", "qcow2", "-b", "base.qcow2", path("top.qcow2"));
        assertEquals(0, r.exit(), r.err());
        JsonNode info = info("top.qcow2");
        assertEquals(7L << 20, info.get("virtual-size").asLong());
        assertEquals("base.qcow2", info.get("backing-filename").asText());
        assertEquals("qcow2", info.get("backing-filename-format").asText());

        Files.write(dir.resolve("base.raw"), new byte[1 << 20]);
        r = CliResult.aiofs("create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", "-o", "compat=0.10", path("top2.qcow2"),
                "2M");
        assertEquals(0, r.exit(), r.err());
        info = info("top2.qcow2");
        assertEquals(2L << 20, info.get("virtual-size").asLong());
        assertEquals("raw", info.get("backing-filename-format").asText());
        assertEquals("0.10", info.get("format-specific").get("data").get("compat").asText());
        assertEquals(0, Tool.run(dir, "qemu-img", "check", "top2.qcow2").exitCode());
    }

    @Test
    void missingBackingIsRefused() {
        CliResult r = CliResult.aiofs("create", "-f", "qcow2", "-b", "nothing.qcow2", path("top.qcow2"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("nothing.qcow2"), r.err());
        assertTrue(Files.notExists(dir.resolve("top.qcow2")));
    }

    @Test
    void rawIsASparseFileAndExistingFilesAreRefused() throws Exception {
        CliResult r = CliResult.aiofs("create", "-f", "raw", path("a.raw"), "1.5G");
        assertEquals(0, r.exit(), r.err());
        assertEquals(1536L << 20, Files.size(dir.resolve("a.raw")));
        assertTrue(info("a.raw").get("actual-size").asLong() < (1 << 20));
        Files.writeString(dir.resolve("keep.qcow2"), "precious");
        r = CliResult.aiofs("create", "-f", "qcow2", path("keep.qcow2"), "1G");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("never overwrites"), r.err());
        assertEquals("precious", Files.readString(dir.resolve("keep.qcow2")));
    }

    @Test
    void invalidOptionsAreRefusedWithQemusReasons() {
        CliResult r = CliResult.aiofs("create", "-f", "qcow2", "-o", "compat=0.10,lazy_refcounts=on", path("a.qcow2"), "1G");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("Lazy refcounts only supported with compatibility level 1.1"), r.err());
        r = CliResult.aiofs("create", "-f", "qcow2", "-o", "cluster_size=4k,extended_l2=on", path("a.qcow2"), "1G");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("at least 16384 bytes"), r.err());
        r = CliResult.aiofs("create", "-f", "qcow2", "-o", "preallocation=full", path("a.qcow2"), "1G");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("preallocation"), r.err());
        assertEquals(2, CliResult.aiofs("create", "-f", "qcow2", path("a.qcow2"), "12Q").exit());
        assertEquals(1, CliResult.aiofs("create", "-f", "qcow2", path("a.qcow2")).exit());
        assertTrue(Files.notExists(dir.resolve("a.qcow2")));
    }
}
