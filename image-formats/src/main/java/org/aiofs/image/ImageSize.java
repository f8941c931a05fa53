package org.aiofs.image;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * Sizes as qemu-img reads them: a number (fractions allowed) with an optional suffix
 * B, K, M, G, T, P or E (powers of 1024, case-insensitive); no suffix means bytes.
 */
public final class ImageSize {
    private static final String UNITS = "BKMGTPE";

    private ImageSize() {
    }

    public static long parse(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty size");
        }
        int shift = 0;
        char last = Character.toUpperCase(t.charAt(t.length() - 1));
        if (Character.isLetter(last)) {
            int unit = UNITS.indexOf(last);
            if (unit < 0) {
                throw new IllegalArgumentException("invalid size '" + text + "': unknown suffix " + last
                        + " (use B, K, M, G, T, P or E)");
            }
            shift = unit * 10;
            t = t.substring(0, t.length() - 1);
        }
        BigDecimal value;
        try {
            value = new BigDecimal(t.toLowerCase(Locale.ROOT));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid size '" + text + "'");
        }
        BigDecimal bytes = value.multiply(BigDecimal.valueOf(2).pow(shift));
        if (bytes.signum() < 0) {
            throw new IllegalArgumentException("invalid size '" + text + "': negative");
        }
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("invalid size '" + text + "': too large");
        }
        if (bytes.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("invalid size '" + text + "': not a whole number of bytes");
        }
        return bytes.longValueExact();
    }
}
