package org.aiofs.fs.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.bench.BenchResult;
import org.aiofs.aio.bench.BenchRunner;
import org.aiofs.aio.bench.Workload;
import org.aiofs.aio.engine.CacheMode;
import org.aiofs.aio.nbd.NbdClient;
import org.aiofs.aio.nbd.NbdUri;

/**
 * `aiofs bench --target nbd://...`: the workloads on the export's own client, over the
 * network. With one connection, and (when the URI does not fix the number and the server
 * allows multi-conn) with several, to show what multi-conn gives. Writes go to the export.
 */
final class NbdBench {
    private NbdBench() {
    }

    static List<BenchResult> run(NbdUri uri, String engines, List<Workload> workloads, List<CacheMode> modes,
                                 double seconds, PrintStream err) throws IOException {
        if (!engines.equals("all") && !engines.equals("nbd")) {
            throw new IllegalArgumentException("an NBD target runs on its own client: --engines nbd (or all), not "
                    + engines);
        }
        List<Integer> connections = connectionCounts(uri);
        int total = connections.size() * workloads.size() * modes.size();
        int done = 0;
        List<BenchResult> results = new ArrayList<>();
        for (CacheMode mode : modes) {
            for (Workload w : workloads) {
                for (int n : connections) {
                    String label = "nbd x" + n;
                    BenchCommand.progress(err, done++, total, label + " " + w.name() + " " + mode.label());
                    if (mode.direct()) {
                        results.add(BenchResult.unsupported(label, w.name(), mode.label(),
                                "an NBD export has no O_DIRECT: the server's cache is its business"));
                        continue;
                    }
                    NbdUri withCount = uri.connections() > 0 ? uri : NbdUri.parse(withConnections(uri.text(), n));
                    try (HostFile file = HostFile.ofExport(NbdClient.connect(withCount, !w.write(),
                            mode.writeThrough(), line -> err.println("\naiofs: " + line)))) {
                        results.add(BenchRunner.runOn(label, file, w, mode.label(), seconds));
                    }
                }
            }
        }
        BenchCommand.progress(err, done, total, "done");
        err.println();
        return results;
    }

    /** The URI's own count, or 1 and (if the server allows multi-conn) the default several. */
    private static List<Integer> connectionCounts(NbdUri uri) throws IOException {
        if (uri.connections() > 0) {
            return List.of(uri.connections());
        }
        try (NbdClient probe = NbdClient.connect(uri, true)) {
            return probe.connectionCount() > 1 ? List.of(1, probe.connectionCount()) : List.of(1);
        }
    }

    private static String withConnections(String uri, int n) {
        return uri + (uri.contains("?") ? "&" : "?") + "x-connections=" + n;
    }
}
