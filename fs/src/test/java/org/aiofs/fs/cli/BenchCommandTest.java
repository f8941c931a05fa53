package org.aiofs.fs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** `aiofs bench` end to end on a small file: output shape, refusals with reasons, chart, cleanup. */
class BenchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void jsonListsEveryCellAndUnsupportedOnesCarryTheProbeReason() throws Exception {
        Path chart = tmp.resolve("chart.svg");
        long before = countBenchFiles();
        // reads: on a busy machine buffered writes can sit behind writeback for longer than a 0.2 s run
        String out = runBench("--size", "8", "--seconds", "0.2", "--engines", "sync,linux-aio,io_uring",
                "--workloads", "randread-4k-qd1,seqread-128k-qd8", "--output", "json", "--chart", chart.toString());
        JsonNode rows = new ObjectMapper().readTree(out);
        assertEquals(6, rows.size(), out);
        for (JsonNode row : rows) {
            for (String field : new String[] {"engine", "workload", "cache", "capabilities", "iops", "mib_s",
                    "lat_p50_us", "lat_p99_us", "cpu_us_per_io"}) {
                assertTrue(row.has(field), field + " missing in " + row);
            }
            if (row.get("engine").asText().equals("linux-aio")) {
                assertFalse(row.get("supported").asBoolean());
                assertTrue(row.get("reason").asText().contains("O_DIRECT"), row.toString());
            } else {
                assertTrue(row.get("iops").asDouble() > 0, row.toString());
                assertTrue(row.get("lat_p99_us").asDouble() >= row.get("lat_p50_us").asDouble(), row.toString());
            }
        }
        Document svg = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(chart.toFile());
        assertEquals("svg", svg.getDocumentElement().getNodeName());
        String text = svg.getDocumentElement().getTextContent().replaceAll("\\s+", " ");
        assertTrue(text.contains("seqread-128k-qd8 (MiB/s)"), "sequential panels are in MiB/s: " + text);
        assertTrue(text.contains("randread-4k-qd1 (IOPS)"), text);
        String reason = rows.findValues("reason").get(0).asText();
        assertTrue(text.contains("unsupported: " + reason), "the whole reason, wrapped: " + reason + " in " + text);
        assertTrue(text.contains("io_uring: io_uring rings driven by one issuer thread; asynchronous, vectored, batched"),
                "each engine's capabilities: " + text);
        assertEquals(before, countBenchFiles(), "the temporary test file must be removed");
    }

    @Test
    void byDefaultWhatTheCacheModeRulesOutIsSkippedInOneLine() throws Exception {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        String out;
        try {
            out = runBench("--size", "8", "--seconds", "0.1", "--workloads", "randread-4k-qd1");
        } finally {
            System.setErr(saved);
        }
        assertFalse(out.contains("unsupported"), out);
        assertFalse(out.lines().anyMatch(l -> l.startsWith("linux-aio")), out);
        List<String> skipped = out.lines().filter(l -> l.startsWith("skipped: ")).toList();
        assertEquals(List.of("skipped: linux-aio with cache writeback (needs O_DIRECT: --cache none)"), skipped, out);
        for (String engine : new String[] {"sync", "worker", "threadpool", "posix-aio", "io_uring"}) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith(engine + " ")), engine + " missing: " + out);
        }
    }

    @Test
    void csvHasAHeaderAndOneLinePerCell() throws Exception {
        String out = runBench("--size", "8", "--seconds", "0.2", "--engines", "worker,threadpool",
                "--workloads", "randwrite-4k-qd32", "--cache", "none", "--output", "csv");
        String[] lines = out.split("\n");
        assertTrue(lines[0].startsWith("engine,workload,cache,"), lines[0]);
        assertEquals(3, lines.length, out);
    }

    @Test
    void badWorkloadFailsWithExitCodeOne() {
        assertEquals(1, AiofsCommand.commandLine().execute("bench", "--workloads", "randread-4k", "--seconds", "0.1"));
    }

    private static String runBench(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true));
        try {
            String[] all = Stream.concat(Stream.of("bench"), Stream.of(args)).toArray(String[]::new);
            assertEquals(0, AiofsCommand.commandLine().execute(all));
        } finally {
            System.setOut(saved);
        }
        return bytes.toString();
    }

    private static long countBenchFiles() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("/var/tmp"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("aiofs-bench-")).count();
        }
    }
}
