package org.aiofs.fs.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.engine.SyncEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageFormat;
import org.aiofs.image.ImageInfo;
import org.aiofs.image.ImageLocation;
import org.aiofs.image.ImageOpener;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `aiofs info`: what `qemu-img info` says about an image, in its words (text) or its keys (JSON). */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Show what an image is, like qemu-img info; given a mountpoint, what the mount serves and how.",
                "Format, virtual size, cluster size, version, compression type, backing chain, snapshots, "
                        + "dirty/corrupt bits and the bytes it takes on the host."},
        footer = {"", "Exit codes: 0 success, 1 the image can't be opened (one line on stderr says why)."})
public final class InfoCommand implements Callable<Integer> {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    @Parameters(index = "0", paramLabel = "IMAGE|MOUNTPOINT",
            description = "The image (raw or qcow2): a file or an NBD URI (nbd://HOST[:PORT]/EXPORT, "
                    + "nbd+unix:///EXPORT?socket=PATH); or an aiofs mountpoint (engine, cache mode, counters).")
    String image;

    @Option(names = {"-f", "--format"}, paramLabel = "raw|qcow2", description = "The format; probed when not given.")
    String format;

    @Option(names = "--output", paramLabel = "human|json", defaultValue = "human",
            description = "Output format (default: ${DEFAULT-VALUE}); JSON uses qemu-img's keys.")
    ReportFormat output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ImageLocation location;
        try {
            location = ImageLocation.parse(image);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("aiofs: " + e.getMessage());
            return 1;
        }
        if (!location.isRemote() && MountedInfo.isMount(location.path())) {
            MountedInfo.print(location.path(), output == ReportFormat.json, spec.commandLine().getOut());
            spec.commandLine().getOut().flush();
            return 0;
        }
        ImageFormat f = format == null ? null : ImageFormat.fromUserName(format);
        ImageInfo info;
        try (IoEngine engine = new SyncEngine();
                BlockImage img = new ImageOpener(engine).open(location, f, true)) {
            info = ImageInfo.of(img);
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("aiofs: " + e.getMessage());
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output == ReportFormat.json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json(info)));
        } else {
            out.print(text(info));
        }
        out.flush();
        return 0;
    }

    /** qemu-img info's JSON keys; also used for the image part of a mount's info.json. */
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
        if (info.format().equals("qcow2")) {
            m.put("dirty-flag", info.dirty());
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("compat", info.version() == 2 ? "0.10" : "1.1");
            data.put("compression-type", info.compressionType());
            data.put("lazy-refcounts", info.lazyRefcounts());
            data.put("refcount-bits", info.refcountBits());
            if (info.dataFile() != null) {
                data.put("data-file", info.dataFile());
                data.put("data-file-raw", info.dataFileRaw());
            }
            data.put("corrupt", info.corrupt());
            data.put("extended-l2", info.extendedL2());
            m.put("format-specific", Map.of("type", "qcow2", "data", data));
        }
        return m;
    }

    static String text(ImageInfo info) {
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
        if (info.format().equals("qcow2")) {
            b.append("Format specific information:\n");
            b.append("    compat: ").append(info.version() == 2 ? "0.10" : "1.1").append('\n');
            b.append("    compression type: ").append(info.compressionType()).append('\n');
            b.append("    lazy refcounts: ").append(info.lazyRefcounts()).append('\n');
            b.append("    refcount bits: ").append(info.refcountBits()).append('\n');
            if (info.dataFile() != null) {
                b.append("    data file: ").append(info.dataFile()).append('\n');
                b.append("    data file raw: ").append(info.dataFileRaw()).append('\n');
            }
            b.append("    corrupt: ").append(info.corrupt()).append('\n');
            b.append("    extended l2: ").append(info.extendedL2()).append('\n');
            if (info.dirty()) {
                b.append("    dirty: true (refcounts may be stale: run qemu-img check -r all)\n");
            }
        }
        return b.toString();
    }

    /** As qemu-img prints sizes: 1024-based units, at most three significant digits. */
    static String humanSize(long bytes) {
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
