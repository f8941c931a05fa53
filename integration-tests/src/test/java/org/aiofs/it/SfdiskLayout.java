package org.aiofs.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.aiofs.testing.Tool;

/** A partition table as sfdisk reads it: the reference the mount's partition files are checked against. */
public record SfdiskLayout(String label, int sectorSize, List<Entry> partitions) {

    /** One partition: Linux's number (from the node name), start and size in bytes, type. */
    public record Entry(int number, long start, long size, String type) {
        public long end() {
            return start + size;
        }
    }

    public static SfdiskLayout of(Path diskOrDevice) throws IOException {
        Tool.Result r = Commands.run("sfdisk", "--json", diskOrDevice.toString()).assertSuccess();
        JsonNode table = new ObjectMapper().readTree(r.stdout()).get("partitiontable");
        int sectorSize = table.has("sectorsize") ? table.get("sectorsize").asInt() : 512;
        List<Entry> entries = new ArrayList<>();
        for (JsonNode p : table.get("partitions")) {
            String node = p.get("node").asText();
            int number = Integer.parseInt(node.replaceAll("^.*?(\\d+)$", "$1"));
            entries.add(new Entry(number, p.get("start").asLong() * sectorSize, p.get("size").asLong() * sectorSize,
                    p.get("type").asText()));
        }
        return new SfdiskLayout(table.get("label").asText(), sectorSize, entries);
    }

    /** Writes a table with sfdisk from its script format. */
    public static void write(Path disk, String script) {
        Tool.Result r = Commands.runWithInput(script, "sfdisk", "-q", "--wipe", "always", disk.toString());
        r.assertSuccess();
    }
}
