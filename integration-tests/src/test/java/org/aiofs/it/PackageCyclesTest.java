package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.spi.ToolProvider;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No package of a module depends, through others, on itself: each module's packages form
 * layers (read with jdeps, as `jdeps -verbose:package MODULE/target/classes` shows them).
 */
class PackageCyclesTest {
    @ParameterizedTest
    @ValueSource(strings = {"aio", "image-formats", "fs"})
    void packagesOfEachModuleHaveNoCycles(String module) {
        Path classes = Path.of(System.getProperty("aiofs.root", "..")).resolve(module).resolve("target/classes");
        assertTrue(Files.isDirectory(classes), classes + " is not built");
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "-verbose:package",
                classes.toString());
        assertEquals(0, rc, out.toString());
        Map<String, Set<String>> edges = new HashMap<>();
        for (String line : out.toString().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[1].equals("->") && f[0].startsWith("org.aiofs") && f[2].startsWith("org.aiofs")
                    && !f[0].equals(f[2])) {
                edges.computeIfAbsent(f[0], k -> new TreeSet<>()).add(f[2]);
            }
        }
        List<Set<String>> cycles = new ArrayList<>();
        for (String p : edges.keySet()) {
            Set<String> cycle = new TreeSet<>();
            for (String q : reachable(edges, p)) {
                if (reachable(edges, q).contains(p)) {
                    cycle.add(q);
                }
            }
            if (!cycle.isEmpty() && !cycles.contains(cycle)) {
                cycles.add(cycle);
            }
        }
        assertTrue(cycles.isEmpty(), module + ": package cycles " + cycles);
    }

    private static Set<String> reachable(Map<String, Set<String>> edges, String from) {
        Set<String> seen = new TreeSet<>();
        List<String> todo = new ArrayList<>(edges.getOrDefault(from, Set.of()));
        while (!todo.isEmpty()) {
            String next = todo.remove(todo.size() - 1);
            if (seen.add(next)) {
                todo.addAll(edges.getOrDefault(next, Set.of()));
            }
        }
        return seen;
    }
}
