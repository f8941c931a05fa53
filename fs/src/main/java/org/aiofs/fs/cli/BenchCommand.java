package org.aiofs.fs.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.aiofs.aio.bench.BenchChart;
import org.aiofs.aio.bench.BenchResult;
import org.aiofs.aio.bench.BenchRunner;
import org.aiofs.aio.bench.BenchTarget;
import org.aiofs.aio.bench.Workload;
import org.aiofs.aio.engine.CacheMode;
import org.aiofs.aio.engine.Engines;
import org.aiofs.aio.nbd.NbdUri;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `aiofs bench`: every engine against every workload on this machine's own disk. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the I/O engines on this machine: each workload on each engine, "
                + "with IOPS, MiB/s, latency percentiles and CPU time per I/O.",
                "Engine/cache combinations that cannot work here are listed with the probe's reason."},
        footer = {"", "Without --target a 256 MiB file is made in /var/tmp and removed afterwards.",
                "An NBD target (nbd://HOST[:PORT]/EXPORT, nbd+unix:///EXPORT?socket=PATH) is measured on its own",
                "client: one connection, and as many as the server allows multi-conn for.",
                "Writes overwrite the target's data: never point it at a disk you need.",
                "Exit codes: 0 done, 1 failure."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--target", paramLabel = "FILE|DEVICE|NBD-URI",
            description = "File, block device or NBD export to measure on.")
    String target;

    @Option(names = "--engines", paramLabel = "all|LIST", defaultValue = "all",
            description = "Comma-separated engines (${COMPLETION-CANDIDATES}) or all (default).",
            completionCandidates = EngineNames.class)
    String engines;

    @Option(names = "--workloads", paramLabel = "LIST", defaultValue = "default",
            description = "Comma-separated workloads like randread-4k-qd32, seqwrite-128k-qd8 "
                    + "(default: randread-4k-qd1,randread-4k-qd32,randwrite-4k-qd32,seqread-128k-qd8,seqwrite-128k-qd8).")
    String workloads;

    @Option(names = "--cache", paramLabel = "writeback|none", defaultValue = "writeback", split = ",",
            description = "Cache modes to measure, comma-separated: writeback (page cache), none (O_DIRECT); "
                    + "default: ${DEFAULT-VALUE}.")
    List<String> caches;

    @Option(names = "--seconds", paramLabel = "N", defaultValue = "3", description = "Seconds per run (default: 3).")
    double seconds;

    @Option(names = "--output", paramLabel = "table|json|csv", defaultValue = "table",
            description = "Output format on stdout (default: table).")
    String output;

    @Option(names = "--chart", paramLabel = "FILE.svg", description = "Also write an SVG bar chart.")
    Path chart;

    @Option(names = "--size", paramLabel = "MiB", defaultValue = "256",
            description = "Size of the temporary test file when no --target is given (default: 256).")
    long sizeMiB;

    static final class EngineNames extends ArrayList<String> {
        EngineNames() {
            super(Engines.names());
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!List.of("table", "json", "csv").contains(output)) {
            throw new IllegalArgumentException("--output must be table, json or csv, not " + output);
        }
        if (seconds <= 0) {
            throw new IllegalArgumentException("--seconds must be positive");
        }
        List<String> engineNames = engines.equals("all") ? Engines.names() : List.of(engines.split(","));
        List<Workload> workloadList = Workload.parseList(workloads);
        List<CacheMode> modes = new ArrayList<>();
        for (String c : caches) {
            modes.add(CacheMode.parse(c.trim()));
        }
        List<BenchResult> results = new ArrayList<>();
        PrintStream err = System.err;
        if (target != null && NbdUri.isNbdUri(target)) {
            results = NbdBench.run(NbdUri.parse(target), engines, workloadList, modes, seconds, err);
        } else try (BenchTarget t = target != null ? BenchTarget.existing(Path.of(target))
                : BenchTarget.temporary(Path.of("/var/tmp"), sizeMiB << 20)) {
            int total = engineNames.size() * workloadList.size() * modes.size();
            int done = 0;
            for (CacheMode mode : modes) {
                for (Workload w : workloadList) {
                    for (String engine : engineNames) {
                        progress(err, done, total, engine + " " + w.name() + " " + mode.label());
                        results.add(BenchRunner.run(engine.trim(), w, mode, t.path(), seconds));
                        done++;
                    }
                }
            }
            progress(err, done, total, "done");
            err.println();
        }
        switch (output) {
            case "json" -> System.out.println(json(results));
            case "csv" -> System.out.print(csv(results));
            default -> System.out.print(table(results));
        }
        if (chart != null) {
            Files.writeString(chart, BenchChart.svg(results, "aiofs bench: "
                    + (target != null ? target : "temporary file in /var/tmp") + ", " + seconds + " s per run"));
        }
        return 0;
    }

    static void progress(PrintStream err, int done, int total, String what) {
        int width = 30;
        int filled = total == 0 ? width : done * width / total;
        err.printf("\r[%s%s] %d/%d %-50s", "#".repeat(filled), ".".repeat(width - filled), done, total, what);
        err.flush();
    }

    static String json(List<BenchResult> results) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (BenchResult r : results) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("engine", r.engine());
            row.put("workload", r.workload());
            row.put("cache", r.cache());
            row.put("supported", r.supported());
            if (!r.supported()) {
                row.put("reason", r.reason());
            }
            row.put("iops", round(r.iops(), 0));
            row.put("mib_s", round(r.mibS(), 1));
            row.put("lat_p50_us", round(r.latP50Us(), 1));
            row.put("lat_p99_us", round(r.latP99Us(), 1));
            row.put("cpu_us_per_io", round(r.cpuUsPerIo(), 2));
            row.put("ios", r.ios());
            row.put("seconds", round(r.seconds(), 2));
            rows.add(row);
        }
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rows);
    }

    static String csv(List<BenchResult> results) {
        StringBuilder sb = new StringBuilder(
                "engine,workload,cache,supported,iops,mib_s,lat_p50_us,lat_p99_us,cpu_us_per_io,reason\n");
        for (BenchResult r : results) {
            sb.append(String.format(Locale.ROOT, "%s,%s,%s,%s,%.0f,%.1f,%.1f,%.1f,%.2f,\"%s\"%n", r.engine(),
                    r.workload(), r.cache(), r.supported(), r.iops(), r.mibS(), r.latP50Us(), r.latP99Us(),
                    r.cpuUsPerIo(), r.reason().replace("\"", "\"\"")));
        }
        return sb.toString();
    }

    static String table(List<BenchResult> results) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-11s %-18s %-10s %10s %9s %9s %9s %8s%n",
                "ENGINE", "WORKLOAD", "CACHE", "IOPS", "MiB/s", "p50(us)", "p99(us)", "CPUus/io"));
        for (BenchResult r : results) {
            if (r.supported()) {
                sb.append(String.format(Locale.ROOT, "%-11s %-18s %-10s %10.0f %9.1f %9.1f %9.1f %8.2f%n",
                        r.engine(), r.workload(), r.cache(), r.iops(), r.mibS(), r.latP50Us(), r.latP99Us(),
                        r.cpuUsPerIo()));
            } else {
                sb.append(String.format(Locale.ROOT, "%-11s %-18s %-10s unsupported: %s%n",
                        r.engine(), r.workload(), r.cache(), r.reason()));
            }
        }
        return sb.toString();
    }

    private static double round(double value, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }
}
