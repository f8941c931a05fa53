package org.aiofs.image.vhdx;

import java.util.ArrayList;
import java.util.List;

import org.aiofs.image.ImageException;

/**
 * The structures a VHDX file holds (header section, log, BAT, metadata, blocks), each of which
 * must lie inside the file and apart from the others, as the specification requires.
 */
final class FileRegions {
    private record Region(String what, long start, long end) {
    }

    private final String image;
    private final long fileSize;
    private final List<Region> regions = new ArrayList<>();

    FileRegions(String image, long fileSize) {
        this.image = image;
        this.fileSize = fileSize;
    }

    /** Adds a region after checking it lies inside the file and overlaps none added before. */
    void add(String what, long start, long length) throws ImageException {
        if (start < 0 || length < 0 || start > fileSize || length > fileSize - start) {
            throw ImageException.corrupt(image, what + " at 0x" + Long.toHexString(start) + " (" + length
                    + " bytes) lies beyond the end of the file (" + fileSize + " bytes)");
        }
        check(what, start, length);
        regions.add(new Region(what, start, start + length));
    }

    /** Checks that a range overlaps none of the regions, without adding it. */
    void check(String what, long start, long length) throws ImageException {
        for (Region r : regions) {
            if (start < r.end && start + length > r.start) {
                throw ImageException.corrupt(image, what + " at 0x" + Long.toHexString(start) + " overlaps the "
                        + r.what + " at 0x" + Long.toHexString(r.start));
            }
        }
    }
}
