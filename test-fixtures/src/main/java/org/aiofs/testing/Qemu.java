package org.aiofs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** QEMU's own tools, the judges of what aiofs reads and writes. */
public final class Qemu {
    private Qemu() {
    }

    /** {@code qemu-img ARGS} in the current directory; must succeed; its stdout. */
    public static String img(String... args) {
        return img(null, args);
    }

    /** {@code qemu-img ARGS} in {@code dir} (null: the current directory); must succeed; its stdout. */
    public static String img(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("qemu-img"));
        command.addAll(List.of(args));
        return Tool.ok(dir, command.toArray(String[]::new));
    }

    /** qemu-io commands (each a -c) on an image opened as {@code format}; fails on any reported error. */
    public static void io(Path image, String format, String... commands) {
        List<String> command = new ArrayList<>(List.of("qemu-io", "-f", format));
        for (String c : commands) {
            command.add("-c");
            command.add(c);
        }
        command.add(image.toString());
        String out = Tool.ok(image.toAbsolutePath().getParent(), command.toArray(String[]::new));
        if (out.contains("error") || out.contains("failed")) {
            throw new AssertionError("qemu-io reported a failure: " + out);
        }
    }

    /** What QEMU reads from an image ({@code qemu-img convert -O raw}), as {@code dir/name}. */
    public static Path toRaw(Path image, Path dir, String name) {
        Path raw = dir.resolve(name);
        img(dir, "convert", "-O", "raw", image.toString(), raw.toString());
        return raw;
    }

    /** What QEMU reads from an image, next to it as IMAGE.expected.raw. */
    public static Path toRaw(Path image) {
        Path abs = image.toAbsolutePath();
        return toRaw(abs, abs.getParent(), abs.getFileName() + ".expected.raw");
    }

    /** What QEMU reads from an internal snapshot of an image, as {@code dir/name}. */
    public static Path snapshotToRaw(Path image, String snapshot, Path dir, String name) {
        Path raw = dir.resolve(name);
        img(dir, "convert", "-l", "snapshot.name=" + snapshot, "-O", "raw", image.toString(), raw.toString());
        return raw;
    }

    /**
     * Where the image stores data, as qemu-img map says (entries with "data": true, merged):
     * [start, end) pairs. On a raw file QEMU asks lseek(SEEK_DATA/SEEK_HOLE).
     */
    public static List<long[]> dataExtents(Path image, String format) {
        JsonNode map = json(img(image.toAbsolutePath().getParent(), "map", "--output=json", "-f", format,
                image.toString()), null);
        List<long[]> extents = new ArrayList<>();
        for (JsonNode e : map) {
            if (!e.get("data").asBoolean()) {
                continue;
            }
            long start = e.get("start").asLong();
            long end = start + e.get("length").asLong();
            long[] last = extents.isEmpty() ? null : extents.get(extents.size() - 1);
            if (last != null && last[1] == start) {
                last[1] = end;
            } else {
                extents.add(new long[] {start, end});
            }
        }
        return extents;
    }

    /** Bytes of data inside [from, to) of the extents. */
    public static long dataBytes(List<long[]> extents, long from, long to) {
        long sum = 0;
        for (long[] e : extents) {
            sum += Math.max(0, Math.min(e[1], to) - Math.max(e[0], from));
        }
        return sum;
    }

    /** {@code qemu-img check --output=json}: its exit code and its JSON. */
    public static Verdict check(Path image, String... extra) {
        List<String> command = new ArrayList<>(List.of("qemu-img", "check", "--output=json"));
        command.addAll(List.of(extra));
        command.add(image.toString());
        Tool.Result r = Tool.run(image.toAbsolutePath().getParent(), command.toArray(String[]::new));
        return new Verdict(r.exitCode(), json(r.stdout(), r));
    }

    public static JsonNode info(Path image) {
        return json(img(image.toAbsolutePath().getParent(), "info", "--output=json", image.toString()), null);
    }

    private static JsonNode json(String text, Tool.Result run) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text + (run == null ? "" : "\n" + run.describe()), e);
        }
    }

    /** qemu-img check's exit code and report. */
    public record Verdict(int exit, JsonNode json) {
        /** A count as qemu-img reports it (absent keys are zero). */
        public long count(String key) {
            JsonNode n = json.get(key);
            return n == null ? 0 : n.asLong();
        }
    }
}
