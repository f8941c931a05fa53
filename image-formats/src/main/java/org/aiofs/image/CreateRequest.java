package org.aiofs.image;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What `aiofs create` asks of a driver.
 *
 * @param virtualSize   bytes, or -1 when not given (then the backing image's size is used)
 * @param backingFile   the backing name to record as given, or null
 * @param backingFormat the backing image's format (given, or probed by the caller), or null
 * @param options       the format's {@code -o} options, key to value, in the order given
 */
public record CreateRequest(long virtualSize, String backingFile, String backingFormat, Map<String, String> options) {

    /** Splits {@code key=value,key=value} (qemu-img's -o), later keys winning. */
    public static Map<String, String> splitOptions(String options) {
        Map<String, String> out = new LinkedHashMap<>();
        if (options == null || options.isBlank()) {
            return out;
        }
        for (String part : options.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("invalid option '" + part + "' (expected key=value)");
            }
            out.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
        return out;
    }
}
