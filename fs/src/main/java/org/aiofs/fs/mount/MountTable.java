package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The kernel's table of mounts (/proc/self/mountinfo), read fresh each time. */
public final class MountTable {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    /** One mount: where, its filesystem type (e.g. "fuse.aiofs"), and its device ("0:47"). */
    public record Entry(String mountPoint, String fsType, String source, String device) {
        public boolean isFuse() {
            return fsType.equals("fuse") || fsType.startsWith("fuse.");
        }

        /** The device number as the kernel's dev_t (major << 20 | minor): a FUSE connection's name in fusectl. */
        public long deviceNumber() {
            String[] mm = device.split(":");
            return (Long.parseLong(mm[0]) << 20) | Long.parseLong(mm[1]);
        }
    }

    private MountTable() {
    }

    public static Optional<Entry> find(Path mountPoint) throws IOException {
        String wanted = mountPoint.toAbsolutePath().normalize().toString();
        Entry found = null;
        for (String line : Files.readAllLines(MOUNTINFO)) {
            Entry e = parse(line);
            if (e != null && e.mountPoint().equals(wanted)) {
                found = e; // the last one is the one on top
            }
        }
        return Optional.ofNullable(found);
    }

    /** mountinfo: id parent major:minor root mountpoint options [optional...] - fstype source superoptions. */
    static Entry parse(String line) {
        String[] fields = line.split(" ");
        if (fields.length < 10) {
            return null;
        }
        int dash = -1;
        for (int i = 6; i < fields.length; i++) {
            if (fields[i].equals("-")) {
                dash = i;
                break;
            }
        }
        if (dash < 0 || dash + 2 >= fields.length) {
            return null;
        }
        return new Entry(unescape(fields[4]), fields[dash + 1], unescape(fields[dash + 2]), fields[2]);
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes (\040). */
    static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }
}
