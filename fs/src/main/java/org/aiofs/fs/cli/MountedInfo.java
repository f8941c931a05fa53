package org.aiofs.fs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.aiofs.fs.layout.MountLayout;

/** `aiofs info MOUNTPOINT`: what a live mount serves and how, read from its info.json. */
final class MountedInfo {
    private MountedInfo() {
    }

    /** A directory holding an aiofs info.json is a mount to describe, not an image. */
    static boolean isMount(Path path) {
        return Files.isDirectory(path) && Files.isRegularFile(path.resolve(MountLayout.INFO_FILE));
    }

    static void print(Path mountPoint, boolean json, PrintWriter out) throws IOException {
        String content = Files.readString(mountPoint.resolve(MountLayout.INFO_FILE));
        if (json) {
            out.print(content);
            return;
        }
        JsonNode info = new ObjectMapper().readTree(content);
        out.println("mount: " + mountPoint);
        out.println("image: " + info.path("image").asText());
        out.println("file format: " + info.path("format").asText());
        out.println("virtual size: " + info.path("virtual_size").asLong() + " bytes");
        out.println("read-only: " + info.path("read_only").asBoolean());
        JsonNode engine = info.path("engine");
        out.println("engine: " + engine.path("name").asText() + ", cache " + engine.path("cache").asText());
        out.println("  why: " + engine.path("reason").asText());
        JsonNode transport = info.path("transport");
        out.println("transport: " + transport.path("name").asText() + " (FUSE " + transport.path("protocol").asText()
                + ", requests up to " + transport.path("max_request_bytes").asLong() / 1024 + " KiB, readers: "
                + transport.path("readers").asText() + ")");
        JsonNode passthrough = transport.path("passthrough");
        if (passthrough.path("files").size() > 0) {
            List<String> files = new ArrayList<>();
            passthrough.path("files").forEach(f -> files.add(f.asText()));
            out.println("passthrough: " + String.join(", ", files) + " (the kernel "
                    + (passthrough.path("writes").asBoolean() ? "reads and writes" : "reads")
                    + " the image file itself; that I/O is not in the counters below)");
        } else {
            out.println("passthrough: none (" + passthrough.path("reason").asText("not reported") + ")");
        }
        JsonNode table = info.path("partition_table");
        out.println("partition table: " + table.path("scheme").asText() + ", "
                + table.path("partitions").size() + " partition(s)");
        JsonNode c = info.path("counters");
        out.println("served: " + c.path("reads").asLong() + " reads (" + c.path("bytes_read").asLong() + " bytes), "
                + c.path("writes").asLong() + " writes (" + c.path("bytes_written").asLong() + " bytes), "
                + c.path("flushes").asLong() + " flushes, " + c.path("errors").asLong() + " errors, "
                + c.path("in_flight").asLong() + " in flight");
    }
}
