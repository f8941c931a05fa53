package org.aiofs.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** `qemu-img map --output=json` read into one flag per unit of the disk. */
public final class QemuMap {
    private static final Pattern ENTRY = Pattern.compile(
            "\"start\": (\\d+), \"length\": (\\d+),[^}]*\"zero\": (true|false), \"data\": (true|false)");

    private QemuMap() {
    }

    /** Whether each {@code unit} of the disk reads as zeroes, as qemu-img map's "zero" says. */
    public static boolean[] zeroes(String mapJson, long size, int unit) {
        boolean[] zero = new boolean[(int) ((size + unit - 1) / unit)];
        Matcher m = ENTRY.matcher(mapJson);
        long covered = 0;
        while (m.find()) {
            long start = Long.parseLong(m.group(1));
            long length = Long.parseLong(m.group(2));
            for (long o = start; o < start + length; o += unit) {
                zero[(int) (o / unit)] = m.group(3).equals("true");
            }
            covered += length;
        }
        assertEquals(size, covered, mapJson);
        return zero;
    }
}
