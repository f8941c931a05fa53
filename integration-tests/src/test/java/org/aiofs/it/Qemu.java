package org.aiofs.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** QEMU's own tools, the judges of image content. */
public final class Qemu {
    private Qemu() {
    }

    public static void img(String... args) {
        List<String> command = new ArrayList<>(List.of("qemu-img"));
        command.addAll(List.of(args));
        Commands.run(command.toArray(String[]::new)).assertSuccess();
    }

    /** Runs qemu-io commands (each a -c) on an image. */
    public static void io(Path image, String format, String... commands) {
        List<String> command = new ArrayList<>(List.of("qemu-io", "-f", format));
        for (String c : commands) {
            command.add("-c");
            command.add(c);
        }
        command.add(image.toString());
        CommandResult r = Commands.run(command.toArray(String[]::new)).assertSuccess();
        if (r.stdout().contains("error") || r.stdout().contains("failed")) {
            throw new AssertionError("qemu-io reported a failure: " + r.stdout());
        }
    }

    /**
     * Where the image stores data, as qemu-img map says (entries with "data": true, merged):
     * [start, end) pairs. On a raw file QEMU asks lseek(SEEK_DATA/SEEK_HOLE).
     */
    public static List<long[]> dataExtents(Path image, String format) throws java.io.IOException {
        CommandResult r = Commands.run("qemu-img", "map", "--output=json", "-f", format, image.toString())
                .assertSuccess();
        List<long[]> extents = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode e : new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(r.stdout())) {
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

    /** What QEMU reads from an image: qemu-img convert -O raw. */
    public static Path toRaw(Path image, Path dir, String name) {
        Path raw = dir.resolve(name);
        img("convert", "-O", "raw", image.toString(), raw.toString());
        return raw;
    }

    /** The snapshot's content as QEMU reads it, or null when the image has no such snapshot. */
    public static Path snapshotOrNull(Path image, String snapshot, Path dir) {
        CommandResult list = Commands.run("qemu-img", "snapshot", "-l", image.toString()).assertSuccess();
        if (!list.stdout().contains(" " + snapshot + " ")) {
            return null;
        }
        return snapshotToRaw(image, snapshot, dir, "before-" + image.getFileName() + ".raw");
    }

    /** What QEMU reads from a snapshot of an image. */
    public static Path snapshotToRaw(Path image, String snapshot, Path dir, String name) {
        Path raw = dir.resolve(name);
        img("convert", "-l", "snapshot.name=" + snapshot, "-O", "raw", image.toString(), raw.toString());
        return raw;
    }
}
