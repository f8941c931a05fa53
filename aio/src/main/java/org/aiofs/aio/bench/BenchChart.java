package org.aiofs.aio.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An SVG bar chart of benchmark results: one panel per workload (each with its own
 * scale, since 4k IOPS and 128k IOPS differ by orders of magnitude), one horizontal bar
 * per engine and cache mode labelled with IOPS and MiB/s; unsupported cells show the reason.
 */
public final class BenchChart {
    private static final int WIDTH = 900;
    private static final int LABEL = 190;
    private static final int BAR = 18;
    private static final int GAP = 6;
    private static final String[] COLOURS = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1",
            "#edc948", "#9c755f"};

    private BenchChart() {
    }

    public static String svg(List<BenchResult> results, String title) {
        Map<String, List<BenchResult>> byWorkload = new LinkedHashMap<>();
        List<String> engines = new ArrayList<>();
        for (BenchResult r : results) {
            byWorkload.computeIfAbsent(r.workload(), k -> new ArrayList<>()).add(r);
            if (!engines.contains(r.engine())) {
                engines.add(r.engine());
            }
        }
        StringBuilder body = new StringBuilder();
        int y = 50;
        for (Map.Entry<String, List<BenchResult>> panel : byWorkload.entrySet()) {
            body.append(text(10, y, 15, "bold", panel.getKey() + " (IOPS)"));
            y += 10;
            double max = panel.getValue().stream().mapToDouble(BenchResult::iops).max().orElse(1);
            for (BenchResult r : panel.getValue()) {
                String colour = COLOURS[engines.indexOf(r.engine()) % COLOURS.length];
                body.append(text(10, y + BAR - 5, 12, "normal", r.engine() + " / " + r.cache()));
                if (r.supported()) {
                    int len = (int) Math.max(1, (WIDTH - LABEL - 190) * r.iops() / Math.max(max, 1));
                    body.append(String.format(Locale.ROOT,
                            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
                            LABEL, y, len, BAR, colour));
                    body.append(text(LABEL + len + 6, y + BAR - 5, 12, "normal", String.format(Locale.ROOT,
                            "%,.0f IOPS, %.1f MiB/s, p99 %.0f us", r.iops(), r.mibS(), r.latP99Us())));
                } else {
                    body.append(text(LABEL, y + BAR - 5, 11, "italic", "unsupported: " + shorten(r.reason())));
                }
                y += BAR + GAP;
            }
            y += 24;
        }
        return String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                        + " font-family=\"sans-serif\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n%s%s</svg>%n",
                WIDTH + 200, y, text(10, 25, 18, "bold", title), body);
    }

    private static String text(int x, int y, int size, String style, String content) {
        String weight = style.equals("bold") ? " font-weight=\"bold\"" : "";
        String italic = style.equals("italic") ? " font-style=\"italic\" fill=\"#888\"" : "";
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"%d\"%s%s>%s</text>%n",
                x, y, size, weight, italic, escape(content));
    }

    private static String shorten(String s) {
        return s.length() > 110 ? s.substring(0, 107) + "..." : s;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
