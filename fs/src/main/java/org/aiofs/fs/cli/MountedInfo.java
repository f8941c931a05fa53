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
import org.aiofs.fs.report.ImageInfoReport;

/**
 * `aiofs info MOUNTPOINT`: what a live mount serves and how, read from its info.json, with
 * sizes written as image info writes them and partitions counted as the files they are.
 */
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
        out.println("mount: " + mountPoint.toAbsolutePath().normalize());
        out.println("image: " + info.path("image").asText());
        JsonNode imageInfo = info.path("image_info");
        if (info.has("overlay")) {
            out.println("file format: " + imageInfo.path("backing-filename-format").asText("?")
                    + ", under a " + info.path("format").asText() + " overlay that takes every write");
            out.println("overlay: " + info.path("overlay").asText());
        } else {
            out.println("file format: " + info.path("format").asText());
        }
        out.println("virtual size: " + sizeWithBytes(info.path("virtual_size").asLong()));
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
        JsonNode uring = transport.path("fuse_over_io_uring");
        if (!uring.isMissingNode()) {
            if (uring.path("serving").asBoolean()) {
                long requests = 0;
                for (JsonNode q : uring.path("per_queue")) {
                    requests += q.path("requests").asLong();
                }
                out.println("FUSE over io_uring: serving (" + uring.path("queues").asInt() + " queues of "
                        + uring.path("entries_per_queue").asInt() + " entries, " + requests + " requests so far)");
            } else {
                out.println("FUSE over io_uring: off (" + uring.path("reason").asText("not reported") + ")");
            }
        }
        out.println("partitions: " + partitions(info.path("partition_table")));
        JsonNode c = info.path("counters");
        out.println("served: " + c.path("reads").asLong() + " reads ("
                + ImageInfoReport.humanSize(c.path("bytes_read").asLong()) + "), "
                + c.path("writes").asLong() + " writes (" + ImageInfoReport.humanSize(c.path("bytes_written").asLong())
                + "), " + c.path("flushes").asLong() + " flushes, " + c.path("errors").asLong() + " errors, "
                + c.path("in_flight").asLong() + " in flight");
        out.println("log: " + info.path("log").asText("unknown"));
    }

    /** As image info writes a size: "64 MiB (67108864 bytes)". */
    private static String sizeWithBytes(long bytes) {
        return ImageInfoReport.humanSize(bytes) + " (" + bytes + " bytes)";
    }

    /** "gpt, 2 files: part1.raw, part2.raw"; an extended partition is a container, not a file. */
    static String partitions(JsonNode table) {
        String scheme = table.path("scheme").asText("unreadable");
        if (scheme.equals("none")) {
            return "none (no partition table was found)";
        }
        if (!table.has("partitions")) {
            return scheme;
        }
        List<String> files = new ArrayList<>();
        List<String> containers = new ArrayList<>();
        for (JsonNode p : table.path("partitions")) {
            if (p.path("file").isTextual()) {
                files.add(p.path("file").asText());
            } else {
                containers.add(String.valueOf(p.path("number").asInt()));
            }
        }
        StringBuilder b = new StringBuilder(scheme).append(", ").append(files.size())
                .append(files.size() == 1 ? " file" : " files");
        if (!files.isEmpty()) {
            b.append(": ").append(String.join(", ", files));
        }
        if (!containers.isEmpty()) {
            b.append(" (extended partition ").append(String.join(", ", containers))
                    .append(" holds the logical ones)");
        }
        for (JsonNode w : table.path("warnings")) {
            b.append("; warning: ").append(w.asText());
        }
        return b.toString();
    }
}
