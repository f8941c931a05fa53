package org.aiofs.image.vmdk.descriptor;

import org.aiofs.aio.nativeio.Errno;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.aiofs.image.ImageException;

/**
 * The extent lines of a descriptor, read as QEMU reads them (block/vmdk.c,
 * vmdk_parse_extents: {@code sscanf(line, "%10s %lld %10s \"%511[^\n\r\"]\" %lld")}), with
 * one difference: a line QEMU silently leaves out of the disk (access RDONLY or NOACCESS, an
 * unknown type, a size of zero, no file name) would make the disk shorter than the one VMware
 * shows, so it is refused here instead. Lines that do not start with an access word (comments,
 * the disk database) are not extent lines.
 */
public final class ExtentLines {
    /** More extents than this are refused: each is an open file (2 GiB extents: 128 TiB). */
    public static final int MAX_EXTENTS = 65536;
    private static final Set<String> ACCESS = Set.of("RW", "RDONLY", "NOACCESS");
    private static final Set<String> TYPES = Set.of(ExtentLine.FLAT, ExtentLine.VMFS, ExtentLine.SPARSE,
            ExtentLine.VMFSSPARSE, ExtentLine.SESPARSE);
    private static final int MAX_WORD = 10;
    private static final int MAX_NAME = 511;

    private ExtentLines() {
    }

    public static List<ExtentLine> parse(String image, DescriptorText descriptor) throws ImageException {
        List<ExtentLine> extents = new ArrayList<>();
        for (String line : descriptor.text().split("\n", -1)) {
            Scan scan = new Scan(line);
            String access = scan.word();
            if (access == null || !ACCESS.contains(access)) {
                continue;
            }
            ExtentLine extent = parseLine(image, line, access, scan);
            if (extents.size() == MAX_EXTENTS) {
                throw ImageException.corrupt(image, "the descriptor names more than " + MAX_EXTENTS + " extents");
            }
            extents.add(extent);
        }
        return extents;
    }

    private static ExtentLine parseLine(String image, String line, String access, Scan scan) throws ImageException {
        Long sectors = scan.number();
        String type = sectors == null ? null : scan.word();
        String name = type == null ? null : scan.quoted();
        Long offset = name == null ? null : scan.number();
        if (name == null) {
            throw invalid(image, line, "no quoted file name");
        }
        if (!access.equals("RW")) {
            throw new ImageException(image + ": extent \"" + printable(name) + "\" has access " + access
                    + ", which QEMU leaves out of the disk; aiofs refuses it", Errno.ENOTSUP);
        }
        if (type.equals(ExtentLine.FLAT)) {
            if (offset == null || offset < 0) {
                throw invalid(image, line, "a FLAT extent needs an offset of zero or more");
            }
        } else if (offset != null) {
            throw invalid(image, line, "only FLAT extents take an offset");
        }
        if (sectors <= 0) {
            throw invalid(image, line, "the size must be at least one sector");
        }
        if (!TYPES.contains(type)) {
            throw new ImageException(image + ": extent type " + printable(type) + " is not supported (line: "
                    + printable(line.strip()) + ")", Errno.ENOTSUP);
        }
        if (offset != null && offset > Long.MAX_VALUE >> 9) {
            throw invalid(image, line, "offset " + offset + " sectors is too large");
        }
        byte[] raw = name.getBytes(StandardCharsets.ISO_8859_1);
        return new ExtentLine(sectors, type, new String(raw, StandardCharsets.UTF_8), offset == null ? 0 : offset,
                line.strip());
    }

    private static ImageException invalid(String image, String line, String why) {
        return ImageException.corrupt(image, "invalid extent line '" + printable(line.strip()) + "': " + why);
    }

    /** Control characters from a damaged file must not break the one-line message. */
    static String printable(String s) {
        String t = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }

    /** sscanf's conversions over one line. */
    private static final class Scan {
        private final String s;
        private int p;

        Scan(String s) {
            this.s = s;
        }

        private void blanks() {
            while (p < s.length() && DescriptorText.isCSpace(s.charAt(p))) {
                p++;
            }
        }

        /** %10s: at most ten non-blank characters; a longer word fails the next conversion. */
        String word() {
            blanks();
            int start = p;
            while (p < s.length() && p - start < MAX_WORD && !DescriptorText.isCSpace(s.charAt(p))) {
                p++;
            }
            return p == start ? null : s.substring(start, p);
        }

        /** %lld: an optional sign and decimal digits; a value beyond 64 bits saturates, as strtoll's. */
        Long number() {
            blanks();
            int start = p;
            if (p < s.length() && (s.charAt(p) == '+' || s.charAt(p) == '-')) {
                p++;
            }
            int digits = p;
            while (p < s.length() && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
                p++;
            }
            if (p == digits) {
                p = start;
                return null;
            }
            try {
                return Long.parseLong(s.substring(start, p));
            } catch (NumberFormatException overflow) {
                return s.charAt(start) == '-' ? Long.MIN_VALUE : Long.MAX_VALUE;
            }
        }

        /** {@code "%511[^\n\r"]"}: a quoted name of 1 to 511 characters. */
        String quoted() {
            blanks();
            if (p >= s.length() || s.charAt(p) != '"') {
                return null;
            }
            int start = p + 1;
            int end = start;
            while (end < s.length() && s.charAt(end) != '"' && s.charAt(end) != '\r') {
                end++;
            }
            if (end == start || end - start > MAX_NAME || end >= s.length() || s.charAt(end) != '"') {
                return null;
            }
            p = end + 1;
            return s.substring(start, end);
        }
    }
}
