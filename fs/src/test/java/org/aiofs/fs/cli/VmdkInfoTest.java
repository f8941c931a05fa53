package org.aiofs.fs.cli;

import org.aiofs.testing.Tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `aiofs info` on vmdk disks says what `qemu-img info` says, format-specific block and extents included. */
class VmdkInfoTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private String path(String name) {
        return dir.resolve(name).toString();
    }

    private void create(String name, String options, String size, String... writes) throws Exception {
        Tool.ok(dir, "qemu-img", "create", "-q", "-f", "vmdk", "-o", options, path(name), size);
        for (String w : writes) {
            Tool.ok(dir, "qemu-io", "-f", "vmdk", "-c", w, path(name));
        }
    }

    @Test
    void jsonMatchesQemuImgInfo() throws Exception {
        create("sparse.vmdk", "zeroed_grain=on,adapter_type=lsilogic", "5M", "write -P 1 0 1M", "write -z 2M 64k");
        create("flat.vmdk", "subformat=monolithicFlat", "3M", "write -P 2 1M 4k");
        create("split.vmdk", "subformat=twoGbMaxExtentSparse", "2100M", "write -P 3 2047M 2M");
        create("splitflat.vmdk", "subformat=twoGbMaxExtentFlat", "2049M");
        create("child.vmdk", "backing_file=sparse.vmdk,backing_fmt=vmdk", "6M", "write -P 4 4M 64k");
        Tool.ok(dir, "qemu-img", "convert", "-O", "vmdk", "-o", "subformat=streamOptimized", path("sparse.vmdk"),
                path("stream.vmdk"));
        for (String image : List.of("sparse.vmdk", "flat.vmdk", "split.vmdk", "splitflat.vmdk", "child.vmdk",
                "stream.vmdk")) {
            JsonNode qemu = JSON.readTree(Tool.ok(dir, "qemu-img", "info", "--output=json", path(image)));
            CliResult r = CliResult.aiofs("info", "--output", "json", path(image));
            assertEquals(0, r.exit(), r.err());
            JsonNode ours = JSON.readTree(r.out());
            for (String key : List.of("filename", "format", "virtual-size", "cluster-size", "backing-filename",
                    "backing-filename-format", "full-backing-filename", "dirty-flag", "format-specific")) {
                assertEquals(qemu.get(key), ours.get(key), image + " " + key + "\nqemu: " + qemu + "\naiofs: " + ours);
            }
            long qa = qemu.get("actual-size").asLong();
            long oa = ours.get("actual-size").asLong();
            assertTrue(Math.abs(qa - oa) <= 65536, image + " actual-size " + oa + " vs qemu " + qa);
        }
    }

    @Test
    void textShowsTheExtentsAsQemuImgDoes() throws Exception {
        create("split.vmdk", "subformat=twoGbMaxExtentFlat", "2049M");
        String qemu = Tool.ok(dir, "qemu-img", "info", path("split.vmdk"));
        CliResult r = CliResult.aiofs("info", path("split.vmdk"));
        assertEquals(0, r.exit(), r.err());
        for (String line : List.of("file format: vmdk", "virtual size: 2 GiB (2148532224 bytes)",
                "    create type: twoGbMaxExtentFlat", "    parent cid: 4294967295", "    extents:",
                "        [1]:", "            virtual size: 1048576", "            format: FLAT",
                "            filename: " + path("split-f002.vmdk"))) {
            assertTrue(qemu.contains(line + "\n"), "qemu-img says '" + line + "':\n" + qemu);
            assertTrue(r.out().contains(line + "\n"), "aiofs says '" + line + "':\n" + r.out());
        }
        assertFalse(r.out().contains("cluster_size"), r.out());
    }
}
