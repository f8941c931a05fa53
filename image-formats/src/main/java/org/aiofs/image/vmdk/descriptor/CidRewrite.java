package org.aiofs.image.vmdk.descriptor;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * A new content id for a disk about to change, written over the old one's digits in place
 * (as many digits, so nothing else in the descriptor moves): a child made from this disk
 * recorded the old CID as its parentCID and will refuse to read through the changed disk, as
 * QEMU's and VMware's children do.
 *
 * @param offset where the new digits go, relative to the descriptor's start
 * @param digits the new digits (ASCII)
 */
public record CidRewrite(int offset, byte[] digits) {

    /** The rewrite for {@code descriptor}, or null when it has no CID to rewrite. */
    public static CidRewrite of(DescriptorText descriptor, Random random) {
        DescriptorText window = descriptor.window(DescriptorText.ID_WINDOW_BYTES - 1);
        DescriptorText.HexDigits d = window.hexDigits("CID");
        if (d == null) {
            return null;
        }
        String old = window.text().substring(d.start(), d.end());
        int n = old.length();
        String fresh;
        do {
            // at most 8 significant digits (a CID is 32 bits); leading zeros keep the length
            int significant = Math.min(n, 8);
            long bound = 1L << (4 * significant);
            long value = (random.nextLong() & Long.MAX_VALUE) % bound;
            fresh = "0".repeat(n - significant) + String.format("%0" + significant + "x", value);
        } while (fresh.equalsIgnoreCase(old));
        return new CidRewrite(d.start(), fresh.getBytes(StandardCharsets.US_ASCII));
    }
}
