package org.aiofs.image.vmdk.descriptor;

import java.nio.charset.StandardCharsets;

import org.aiofs.image.ImageException;

/**
 * What links a VMDK to its parent: its content id (CID, changed by every writer), the CID its
 * parent had when this image was made (parentCID; ffffffff without a parent) and the parent's
 * file name (parentFileNameHint). QEMU reads them from the first 20 sectors of the descriptor
 * and refuses to open an image without CID or parentCID.
 *
 * @param parentHint the parent's file name, or null without a parent
 */
public record DescriptorIds(long cid, long parentCid, String parentHint) {
    /** QEMU's limit on a backing file name (PATH_MAX - 1). */
    public static final int MAX_PARENT_NAME = 4095;
    public static final long NO_PARENT_CID = 0xffffffffL;
    private static final String PARENT_HINT = "parentFileNameHint";

    /**
     * @param descriptor the descriptor as it starts in its file (only the first 20 sectors are read)
     */
    public static DescriptorIds read(String image, DescriptorText descriptor) throws ImageException {
        DescriptorText window = descriptor.window(DescriptorText.ID_WINDOW_BYTES);
        // QEMU ends its CID buffer with a NUL in the window's last byte
        DescriptorText cidWindow = descriptor.window(DescriptorText.ID_WINDOW_BYTES - 1);
        Long cid = cidWindow.hexAfter("CID");
        if (cid == null) {
            throw ImageException.corrupt(image, "the descriptor has no CID (content id) in its first "
                    + DescriptorText.ID_WINDOW_BYTES + " bytes");
        }
        Long parentCid = cidWindow.hexAfter("parentCID");
        if (parentCid == null) {
            throw ImageException.corrupt(image, "the descriptor has no parentCID in its first "
                    + DescriptorText.ID_WINDOW_BYTES + " bytes");
        }
        return new DescriptorIds(cid, parentCid, parentHint(image, window));
    }

    /** {@code parentFileNameHint="name"}: QEMU skips the key and two characters, up to the next quote. */
    private static String parentHint(String image, DescriptorText window) throws ImageException {
        String text = window.text();
        int at = text.indexOf(PARENT_HINT);
        if (at < 0) {
            return null;
        }
        int start = at + PARENT_HINT.length() + 2;
        int end = start > text.length() ? -1 : text.indexOf('"', start);
        if (end < 0) {
            throw ImageException.corrupt(image, PARENT_HINT + " has no closing quote");
        }
        if (end - start > MAX_PARENT_NAME) {
            throw ImageException.corrupt(image, PARENT_HINT + " is longer than " + MAX_PARENT_NAME + " bytes");
        }
        String name = new String(text.substring(start, end).getBytes(StandardCharsets.ISO_8859_1),
                StandardCharsets.UTF_8);
        return name.isEmpty() ? null : name; // QEMU opens no parent for an empty name
    }

    public String cidHex() {
        return Long.toHexString(cid);
    }
}
