package org.aiofs.fs.report;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.aiofs.image.ImageInfo;

/**
 * An {@link ImageInfo} as qemu-img info prints it: its JSON keys (for `aiofs info --output
 * json` and a mount's info.json) and its human text. One place, shared by the CLI and the
 * mount.
 */
public final class ImageInfoReport {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    private ImageInfoReport() {
    }

    /** qemu-img info's JSON keys. */
    public static Map<String, Object> json(ImageInfo info) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("filename", info.file());
        m.put("format", info.format());
        m.put("virtual-size", info.virtualSize());
        m.put("actual-size", info.allocatedBytes());
        if (info.clusterSize() != null) {
            m.put("cluster-size", info.clusterSize());
        }
        if (info.backingFile() != null) {
            m.put("backing-filename", info.backingFile());
            if (!info.backingChain().isEmpty()) {
                m.put("full-backing-filename", info.backingChain().get(0).file());
            }
            if (info.backingFormat() != null) {
                m.put("backing-filename-format", info.backingFormat());
            }
        }
        if (!info.backingChain().isEmpty()) {
            List<Map<String, Object>> chain = new ArrayList<>();
            for (ImageInfo.BackingLevel level : info.backingChain()) {
                chain.add(Map.of("filename", level.file(), "format", level.format()));
            }
            m.put("backing-chain", chain);
        }
        if (!info.snapshots().isEmpty()) {
            List<Map<String, Object>> snaps = new ArrayList<>();
            for (ImageInfo.SnapshotInfo s : info.snapshots()) {
                Map<String, Object> sm = new LinkedHashMap<>();
                sm.put("id", s.id());
                sm.put("name", s.name());
                sm.put("vm-state-size", s.vmStateSize());
                sm.put("date-sec", s.dateSeconds());
                sm.put("date-nsec", s.dateNanos());
                sm.put("vm-clock-sec", s.vmClockNanos() / 1_000_000_000L);
                sm.put("vm-clock-nsec", s.vmClockNanos() % 1_000_000_000L);
                sm.put("virtual-size", s.virtualSize());
                snaps.add(sm);
            }
            m.put("snapshots", snaps);
        }
        if (info.dirty() != null) {
            m.put("dirty-flag", info.dirty());
        }
        if (info.formatSpecific() != null) {
            m.put("format-specific", Map.of("type", info.formatSpecific().type(), "data",
                    info.formatSpecific().data()));
        }
        return m;
    }

    /** qemu-img info's human text. */
    public static String text(ImageInfo info) {
        StringBuilder b = new StringBuilder();
        b.append("image: ").append(info.file()).append('\n');
        b.append("file format: ").append(info.format()).append('\n');
        b.append("virtual size: ").append(humanSize(info.virtualSize())).append(" (").append(info.virtualSize())
                .append(" bytes)\n");
        b.append("disk size: ").append(humanSize(info.allocatedBytes())).append('\n');
        if (info.clusterSize() != null) {
            b.append("cluster_size: ").append(info.clusterSize()).append('\n');
        }
        if (info.backingFile() != null) {
            b.append("backing file: ").append(info.backingFile());
            if (!info.backingChain().isEmpty() && !info.backingChain().get(0).file().equals(info.backingFile())) {
                b.append(" (actual path: ").append(info.backingChain().get(0).file()).append(')');
            }
            b.append('\n');
            if (info.backingFormat() != null) {
                b.append("backing file format: ").append(info.backingFormat()).append('\n');
            }
        }
        for (int i = 1; i < info.backingChain().size(); i++) {
            ImageInfo.BackingLevel level = info.backingChain().get(i);
            b.append("backing level ").append(i + 1).append(": ").append(level.file()).append(" (")
                    .append(level.format()).append(")\n");
        }
        if (!info.snapshots().isEmpty()) {
            b.append("Snapshot list:\n");
            b.append(String.format("%-9s %-16s %10s %20s %15s%n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK"));
            for (ImageInfo.SnapshotInfo s : info.snapshots()) {
                b.append(String.format("%-9s %-16s %10s %20s %15s%n", s.id(), s.name(), humanSize(s.vmStateSize()),
                        DATE.format(Instant.ofEpochSecond(s.dateSeconds())), clock(s.vmClockNanos())));
            }
        }
        if (info.formatSpecific() != null) {
            b.append("Format specific information:\n");
            appendFields(b, info.formatSpecific().data(), 1);
            if (Boolean.TRUE.equals(info.dirty())) {
                b.append("    dirty: true (refcounts may be stale: run qemu-img check -r all)\n");
            }
        }
        return b.toString();
    }

    /** qemu-img's human dump of a structure: "key: value", keys with spaces for dashes, lists as [i]. */
    private static void appendFields(StringBuilder b, Map<?, ?> fields, int depth) {
        for (Map.Entry<?, ?> e : fields.entrySet()) {
            appendValue(b, String.valueOf(e.getKey()).replace('-', ' '), e.getValue(), depth);
        }
    }

    private static void appendValue(StringBuilder b, String label, Object value, int depth) {
        String indent = "    ".repeat(depth);
        if (value instanceof Map<?, ?> map) {
            b.append(indent).append(label).append(":\n");
            appendFields(b, map, depth + 1);
        } else if (value instanceof List<?> list) {
            b.append(indent).append(label).append(":\n");
            for (int i = 0; i < list.size(); i++) {
                appendValue(b, "[" + i + "]", list.get(i), depth + 1);
            }
        } else {
            b.append(indent).append(label).append(": ").append(value).append('\n');
        }
    }

    /** As qemu-img prints sizes: 1024-based units, at most three significant digits. */
    public static String humanSize(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        String number;
        if (v >= 100 || v == Math.rint(v)) {
            number = String.valueOf(Math.round(v));
        } else {
            number = new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros()
                    .toPlainString();
        }
        return number + " " + units[u];
    }

    private static String clock(long nanos) {
        long ms = nanos / 1_000_000;
        return String.format("%02d:%02d:%02d.%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    }
}
