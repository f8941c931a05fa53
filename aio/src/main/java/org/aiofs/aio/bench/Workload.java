package org.aiofs.aio.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One benchmark workload, named as fio users would: {@code randread-4k-qd32},
 * {@code seqwrite-128k-qd8}: pattern, direction, block size and queue depth.
 */
public record Workload(String name, boolean random, boolean write, int blockSize, int queueDepth) {
    public static final List<String> DEFAULTS = List.of("randread-4k-qd1", "randread-4k-qd32", "randwrite-4k-qd32",
            "seqread-128k-qd8", "seqwrite-128k-qd8");
    private static final Pattern NAME = Pattern.compile("(rand|seq)(read|write)-(\\d+)([km]?)-qd(\\d+)");

    public static Workload parse(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException("bad workload '" + name
                    + "': expected (rand|seq)(read|write)-SIZE[k|m]-qdN, e.g. randread-4k-qd32");
        }
        long size = Long.parseLong(m.group(3)) * switch (m.group(4)) {
            case "k" -> 1024L;
            case "m" -> 1024L * 1024;
            default -> 1L;
        };
        int depth = Integer.parseInt(m.group(5));
        if (size < 512 || size > (16 << 20) || size % 512 != 0) {
            throw new IllegalArgumentException("workload '" + name + "': block size must be a multiple of 512"
                    + " between 512 bytes and 16 MiB");
        }
        if (depth < 1 || depth > 1024) {
            throw new IllegalArgumentException("workload '" + name + "': queue depth must be 1..1024");
        }
        return new Workload(name, m.group(1).equals("rand"), m.group(2).equals("write"), (int) size, depth);
    }

    public static List<Workload> parseList(String list) {
        List<Workload> out = new ArrayList<>();
        for (String name : (list.equals("all") || list.equals("default") ? String.join(",", DEFAULTS) : list)
                .split(",")) {
            out.add(parse(name.trim()));
        }
        return out;
    }
}
