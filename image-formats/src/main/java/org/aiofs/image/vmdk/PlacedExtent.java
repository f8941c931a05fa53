package org.aiofs.image.vmdk;

import org.aiofs.image.vmdk.extent.Extent;

/**
 * An extent at its place in the disk.
 *
 * @param start    the guest offset of its first byte
 * @param fileName its file as qemu-img info names it (the descriptor's folder as given, then the name)
 */
public record PlacedExtent(Extent extent, long start, String fileName) {
    public long end() {
        return start + extent.size();
    }
}
