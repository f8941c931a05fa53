package org.aiofs.aio.engine;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * QEMU's cache modes (qemu-options.hx, "cache="): whether the host page cache is used
 * (O_DIRECT when not), whether every write is followed by a flush, and whether guest
 * flushes are ignored.
 */
public enum CacheMode {
    WRITEBACK("writeback", false, false, false),
    WRITETHROUGH("writethrough", false, true, false),
    NONE("none", true, false, false),
    DIRECTSYNC("directsync", true, true, false),
    UNSAFE("unsafe", false, false, true);

    private final String label;
    private final boolean direct;
    private final boolean writeThrough;
    private final boolean ignoreFlush;

    CacheMode(String label, boolean direct, boolean writeThrough, boolean ignoreFlush) {
        this.label = label;
        this.direct = direct;
        this.writeThrough = writeThrough;
        this.ignoreFlush = ignoreFlush;
    }

    public String label() {
        return label;
    }

    /** Opened with O_DIRECT: the host page cache is bypassed. */
    public boolean direct() {
        return direct;
    }

    /** Every write completes only once flushed (O_DSYNC semantics). */
    public boolean writeThrough() {
        return writeThrough;
    }

    /** Flush requests are dropped: fast, and unsafe when the host crashes. */
    public boolean ignoreFlush() {
        return ignoreFlush;
    }

    public static CacheMode parse(String text) {
        for (CacheMode m : values()) {
            if (m.label.equals(text)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown cache mode '" + text + "' (known: auto, "
                + Arrays.stream(values()).map(CacheMode::label).collect(Collectors.joining(", ")) + ")");
    }
}
