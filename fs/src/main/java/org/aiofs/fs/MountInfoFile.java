package org.aiofs.fs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.aiofs.fs.layout.MountLayout;
import org.aiofs.image.BlockImage;
import org.aiofs.image.partition.Partition;
import org.aiofs.image.partition.PartitionTable;

/**
 * The content of info.json: what is mounted (format, sizes, image details, partitions), how
 * it is served (engine, cache mode and why), and live I/O counters. Rendered on each open.
 */
public final class MountInfoFile implements Supplier<byte[]> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String imagePath;
    private final BlockImage image;
    private final boolean readOnly;
    private final MountLayout layout;
    private final IoCounters counters;
    private final Map<String, Object> engine;
    private final Supplier<Map<String, Object>> imageDetails;

    /**
     * @param engine       name, cache mode and the reason they were chosen
     * @param imageDetails format-specific facts (cluster size, backing chain, snapshots, ...)
     */
    public MountInfoFile(String imagePath, BlockImage image, boolean readOnly, MountLayout layout, IoCounters counters,
                         Map<String, Object> engine, Supplier<Map<String, Object>> imageDetails) {
        this.imagePath = imagePath;
        this.image = image;
        this.readOnly = readOnly;
        this.layout = layout;
        this.counters = counters;
        this.engine = engine;
        this.imageDetails = imageDetails;
    }

    @Override
    public byte[] get() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("image", imagePath);
        root.put("format", image.format());
        root.put("virtual_size", image.size());
        root.put("read_only", readOnly);
        root.putAll(imageDetails.get());
        root.put("partition_table", partitionTable(layout.partitionTable()));
        root.put("engine", engine);
        root.put("counters", counters());
        try {
            return (JSON.writeValueAsString(root) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("info.json could not be rendered", e);
        }
    }

    private static Map<String, Object> partitionTable(PartitionTable table) {
        Map<String, Object> t = new LinkedHashMap<>();
        if (table == null) {
            t.put("scheme", "unreadable");
            return t;
        }
        t.put("scheme", table.scheme().name().toLowerCase(java.util.Locale.ROOT));
        t.put("sector_size", table.sectorSize());
        List<Map<String, Object>> parts = new ArrayList<>();
        for (Partition p : table.partitions()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("number", p.number());
            m.put("file", p.container() ? null : "part" + p.number() + ".raw");
            m.put("type", p.type());
            m.put("start", p.start());
            m.put("size", p.size());
            if (p.name() != null) {
                m.put("name", p.name());
            }
            if (p.guid() != null) {
                m.put("guid", p.guid());
            }
            if (p.container()) {
                m.put("extended", true);
            }
            parts.add(m);
        }
        t.put("partitions", parts);
        t.put("warnings", table.warnings());
        return t;
    }

    private Map<String, Object> counters() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("reads", counters.reads.sum());
        c.put("writes", counters.writes.sum());
        c.put("bytes_read", counters.bytesRead.sum());
        c.put("bytes_written", counters.bytesWritten.sum());
        c.put("flushes", counters.flushes.sum());
        c.put("zeroings", counters.zeroings.sum());
        c.put("in_flight", counters.inFlight.sum());
        c.put("errors", counters.errors.sum());
        return c;
    }
}
