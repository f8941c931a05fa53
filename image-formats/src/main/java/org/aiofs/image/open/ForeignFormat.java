package org.aiofs.image.open;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Formats aiofs does not read, recognised by their magic so that such a file is refused
 * by name instead of being served as raw bytes (what a user would then see is the format's
 * metadata, not the disk). A format leaves this list when it gets a driver.
 */
record ForeignFormat(String name, int offset, byte[] magic) {
    static final List<ForeignFormat> ALL = List.of(
            new ForeignFormat("qed", 0, new byte[] {'Q', 'E', 'D', 0}),
            new ForeignFormat("luks", 0, new byte[] {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe}),
            text("parallels", 0, "WithoutFreeSpace"),
            text("parallels", 0, "WithouFreSpacExt"),
            text("bochs", 0, "Bochs Virtual HD Image"),
            text("cloop", 0, "#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0"));

    private static ForeignFormat text(String name, int offset, String magic) {
        return new ForeignFormat(name, offset, magic.getBytes(StandardCharsets.US_ASCII));
    }

    /** The foreign format whose magic {@code head} carries, or null. */
    static ForeignFormat of(ByteBuffer head) {
        for (ForeignFormat f : ALL) {
            if (f.matches(head)) {
                return f;
            }
        }
        return null;
    }

    private boolean matches(ByteBuffer head) {
        if (head.remaining() < offset + magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (head.get(head.position() + offset + i) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
