package org.aiofs.fs.cli;

import org.aiofs.image.ImageSize;
import picocli.CommandLine;

/** {@code --cache-size}: a size as qemu-img reads it (K, M, G suffixes), at least {@link #MIN_BYTES}. */
final class CacheSize implements CommandLine.ITypeConverter<Long> {
    /** Below this the cache holds too few tables to be of use. */
    static final long MIN_BYTES = 256 << 10;

    @Override
    public Long convert(String text) {
        long bytes;
        try {
            bytes = ImageSize.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
        if (bytes < MIN_BYTES) {
            throw new CommandLine.TypeConversionException("'" + text + "' is below the minimum of "
                    + (MIN_BYTES >> 10) + "K");
        }
        return bytes;
    }
}
