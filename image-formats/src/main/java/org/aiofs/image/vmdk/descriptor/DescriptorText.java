package org.aiofs.image.vmdk.descriptor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A VMDK text descriptor, searched the way QEMU searches it (block/vmdk.c): as a C string (it
 * ends at the first NUL byte), a key found by its first occurrence anywhere in the text. Bytes
 * map one to one to characters (ISO-8859-1), so file names are turned back into their bytes
 * before they are decoded as UTF-8.
 */
public final class DescriptorText {
    /** QEMU reads at most this much of a descriptor (1 MiB - 1): a longer one is cut there. */
    public static final int MAX_BYTES = (1 << 20) - 1;
    /** The window QEMU searches for CID, parentCID and parentFileNameHint (20 sectors). */
    public static final int ID_WINDOW_BYTES = 20 * 512;

    private final String text;

    private DescriptorText(String text) {
        this.text = text;
    }

    /** The descriptor in {@code bytes} (position to limit), up to its first NUL byte. */
    public static DescriptorText decode(ByteBuffer bytes) {
        ByteBuffer b = bytes.duplicate();
        int end = b.position();
        while (end < b.limit() && b.get(end) != 0) {
            end++;
        }
        byte[] raw = new byte[end - b.position()];
        b.get(raw);
        return new DescriptorText(new String(raw, StandardCharsets.ISO_8859_1));
    }

    public String text() {
        return text;
    }

    /** The first {@code chars} characters: the window QEMU reads some keys from. */
    public DescriptorText window(int chars) {
        return text.length() <= chars ? this : new DescriptorText(text.substring(0, chars));
    }

    /**
     * The value of {@code key="value"} as QEMU's vmdk_parse_description reads it: the two
     * characters after the key's first occurrence are skipped (meant to be {@code ="}), the
     * value runs to the next quote. Null when the key is missing or no quote closes the value.
     */
    public String quotedValue(String key) {
        int at = text.indexOf(key);
        if (at < 0) {
            return null;
        }
        int start = at + key.length() + 2;
        if (start >= text.length()) {
            return null;
        }
        int end = text.indexOf('"', start);
        return end < 0 ? null : text.substring(start, end);
    }

    /**
     * A hexadecimal number after {@code key}, as QEMU's vmdk_read_cid reads CID and parentCID:
     * the key's first occurrence, one character skipped (meant to be {@code =}), then what glibc's
     * {@code sscanf("%x")} accepts (blanks, a sign, an optional 0x), kept to its low 32 bits as
     * glibc keeps it (a value beyond 64 bits saturates first). Null when the key or the number
     * is missing.
     */
    public Long hexAfter(String key) {
        HexDigits d = hexDigits(key);
        if (d == null) {
            return null;
        }
        String digits = text.substring(d.start(), d.end()).replaceFirst("^0+(?=.)", "");
        if (digits.length() > 16) {
            return 0xffffffffL; // strtoul's ULONG_MAX, cut to 32 bits
        }
        long value = Long.parseUnsignedLong(digits, 16);
        return (d.negative() ? -value : value) & 0xffffffffL;
    }

    /** Where the hex digits {@link #hexAfter} reads lie: [start, end) in the text, and whether a minus precedes them. */
    public record HexDigits(int start, int end, boolean negative) {
    }

    public HexDigits hexDigits(String key) {
        int at = text.indexOf(key);
        if (at < 0) {
            return null;
        }
        int p = at + key.length() + 1;
        while (p < text.length() && isCSpace(text.charAt(p))) {
            p++;
        }
        boolean negative = false;
        if (p < text.length() && (text.charAt(p) == '+' || text.charAt(p) == '-')) {
            negative = text.charAt(p) == '-';
            p++;
        }
        if (p + 2 < text.length() && text.charAt(p) == '0' && (text.charAt(p + 1) | 0x20) == 'x'
                && Character.digit(text.charAt(p + 2), 16) >= 0) {
            p += 2;
        }
        int start = p;
        while (p < text.length() && text.charAt(p) < 128 && Character.digit(text.charAt(p), 16) >= 0) {
            p++;
        }
        return p == start ? null : new HexDigits(start, p, negative);
    }

    /** C's isspace in the "C" locale. */
    static boolean isCSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
    }
}
