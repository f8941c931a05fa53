package org.aiofs.aio.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An SVG bar chart of benchmark results: notes under the title (what each engine is, what was
 * skipped and why), then one panel per workload, each with its own scale: random workloads in
 * IOPS, sequential ones in MiB/s. One bar per engine and cache mode; an unsupported cell shows
 * its whole reason, wrapped.
 */
public final class BenchChart {
    private static final int WIDTH = 900;
    private static final int LABEL = 190;
    private static final int BAR = 18;
    private static final int GAP = 6;
    private static final int LINE = 15;
    private static final int WRAP = 120;
    private static final String[] COLOURS = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1",
            "#edc948", "#9c755f"};

    private BenchChart() {
    }

    public static String svg(List<BenchResult> results, String title, List<String> notes) {
        Map<String, List<BenchResult>> byWorkload = new LinkedHashMap<>();
        List<String> engines = new ArrayList<>();
        for (BenchResult r : results) {
            byWorkload.computeIfAbsent(r.workload(), k -> new ArrayList<>()).add(r);
            if (!engines.contains(r.engine())) {
                engines.add(r.engine());
            }
        }
        StringBuilder body = new StringBuilder();
        int y = 48;
        for (String note : notes) {
            for (String line : wrap(note, WRAP + 20)) {
                body.append(text(10, y, 12, "normal", line));
                y += LINE;
            }
        }
        y += 20;
        for (Map.Entry<String, List<BenchResult>> panel : byWorkload.entrySet()) {
            boolean sequential = !Workload.parse(panel.getKey()).random();
            body.append(text(10, y, 15, "bold", panel.getKey() + (sequential ? " (MiB/s)" : " (IOPS)")));
            y += 10;
            double max = panel.getValue().stream().mapToDouble(r -> sequential ? r.mibS() : r.iops()).max().orElse(1);
            for (BenchResult r : panel.getValue()) {
                String colour = COLOURS[engines.indexOf(r.engine()) % COLOURS.length];
                body.append(text(10, y + BAR - 5, 12, "normal", r.engine() + " / " + r.cache()));
                if (r.supported()) {
                    double value = sequential ? r.mibS() : r.iops();
                    int len = (int) Math.max(1, (WIDTH - LABEL - 190) * value / Math.max(max, 1e-9));
                    body.append(String.format(Locale.ROOT,
                            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
                            LABEL, y, len, BAR, colour));
                    String label = sequential
                            ? String.format(Locale.ROOT, "%.1f MiB/s (%,.0f IOPS), p99 %.0f us", r.mibS(), r.iops(),
                                    r.latP99Us())
                            : String.format(Locale.ROOT, "%,.0f IOPS (%.1f MiB/s), p99 %.0f us", r.iops(), r.mibS(),
                                    r.latP99Us());
                    body.append(text(LABEL + len + 6, y + BAR - 5, 12, "normal", label));
                    y += BAR + GAP;
                } else {
                    List<String> lines = wrap("unsupported: " + r.reason(), WRAP);
                    for (String line : lines) {
                        body.append(text(LABEL, y + BAR - 5, 11, "italic", line));
                        y += LINE;
                    }
                    y += BAR + GAP - LINE;
                }
            }
            y += 24;
        }
        return String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                        + " font-family=\"sans-serif\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n%s%s</svg>%n",
                WIDTH + 200, y, text(10, 25, 18, "bold", title), body);
    }

    /** Splits at spaces into lines of at most {@code width} characters (a longer word gets a line of its own). */
    static List<String> wrap(String s, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : s.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }

    private static String text(int x, int y, int size, String style, String content) {
        String weight = style.equals("bold") ? " font-weight=\"bold\"" : "";
        String italic = style.equals("italic") ? " font-style=\"italic\" fill=\"#888\"" : "";
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"%d\"%s%s>%s</text>%n",
                x, y, size, weight, italic, escape(content));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
