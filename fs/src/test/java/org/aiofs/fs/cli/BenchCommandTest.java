package org.aiofs.fs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
        String out = runBench("--size", "8", "--seconds", "0.2", "--engines", "sync,linux-aio,io_uring",
                "--workloads", "randread-4k-qd1,seqwrite-128k-qd8", "--output", "json", "--chart", chart.toString());
        JsonNode rows = new ObjectMapper().readTree(out);
        assertEquals(6, rows.size(), out);
        for (JsonNode row : rows) {
            for (String field : new String[] {"engine", "workload", "cache", "iops", "mib_s", "lat_p50_us",
                    "lat_p99_us", "cpu_us_per_io"}) {
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
        assertTrue(Files.readString(chart).contains("seqwrite-128k-qd8"));
        assertEquals(before, countBenchFiles(), "the temporary test file must be removed");
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
