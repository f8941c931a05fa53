package org.aiofs.fs.mount;

import java.util.Arrays;
import java.util.Locale;

/** {@code --passthrough}: what the kernel may serve itself from the image file (FUSE passthrough). */
public enum PassthroughMode {
    /**
     * Reads and writes of disk.raw never reach aiofs. Like the bare file, a write past the
     * end then grows the image file (aiofs would refuse it with ENOSPC).
     */
    AUTO("auto"),
    /** Reads (and mmap) only: writes still go through aiofs, which keeps the disk's size fixed. */
    READS("reads"),
    OFF("off");

    private final String label;

    PassthroughMode(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static PassthroughMode parse(String text) {
        for (PassthroughMode m : values()) {
            if (m.label.equals(text.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("--passthrough " + text + ": choose "
                + String.join(", ", Arrays.stream(values()).map(PassthroughMode::label).toList()));
    }
}
