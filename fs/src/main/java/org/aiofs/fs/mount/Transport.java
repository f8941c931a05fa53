package org.aiofs.fs.mount;

import java.util.Arrays;
import java.util.Locale;

/** How a mount speaks FUSE to the kernel ({@code --transport}). */
public enum Transport {
    /** The FUSE protocol on /dev/fuse, asynchronous end to end (org.aiofs.fs.kernel). */
    KERNEL("kernel"),
    /** libfuse 2 through jnr-fuse: portable, synchronous, 128 KiB requests. */
    LIBFUSE2("libfuse2");

    private final String label;

    Transport(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Transport parse(String name) {
        for (Transport t : values()) {
            if (t.label.equals(name.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown transport " + name + " (choose from "
                + String.join(", ", Arrays.stream(values()).map(Transport::label).toList()) + ")");
    }
}
