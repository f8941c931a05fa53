package org.aiofs.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** `qemu-img map --output=json` read into one flag per unit of the disk, and a disk's blockStatus judged by it. */
public final class QemuMap {
    private static final Pattern ENTRY = Pattern.compile(
            "\"start\": (\\d+), \"length\": (\\d+),[^}]*\"zero\": (true|false), \"data\": (true|false)");

    /** Which of qemu-img map's flags to read. */
    public enum Flag {
        ZERO, DATA
    }

    private QemuMap() {
    }

    /** The flag for each {@code unit} of the disk. */
    public static boolean[] flags(String mapJson, long size, int unit, Flag flag) {
        boolean[] set = new boolean[(int) ((size + unit - 1) / unit)];
        Matcher m = ENTRY.matcher(mapJson);
        long covered = 0;
        while (m.find()) {
            long start = Long.parseLong(m.group(1));
            long length = Long.parseLong(m.group(2));
            for (long o = start; o < start + length; o += unit) {
                set[(int) (o / unit)] = m.group(flag == Flag.ZERO ? 3 : 4).equals("true");
            }
            covered += length;
        }
        assertEquals(size, covered, mapJson);
        return set;
    }

    /**
     * Walks the whole disk with blockStatus and checks every unit: {@code kindWhenSet} where the
     * flag is set, the other kind elsewhere. Returns how many runs blockStatus reported.
     */
    public static int assertStatusMatches(BlockImage img, boolean[] flags, int unit, BlockStatus.Kind kindWhenSet,
            String map) throws IOException {
        long size = img.size();
        long pos = 0;
        int runs = 0;
        while (pos < size) {
            BlockStatus s = img.blockStatus(pos, size - pos);
            assertEquals(pos, s.offset());
            assertTrue(s.length() > 0);
            for (long o = pos; o < pos + s.length(); o += unit) {
                assertEquals(flags[(int) (o / unit)], s.kind() == kindWhenSet, "at " + o + " in run " + s + "\n"
                        + map);
            }
            pos += s.length();
            runs++;
        }
        return runs;
    }
}
