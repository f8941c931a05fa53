package org.aiofs.image.vmdk.extent;

import java.io.IOException;

import org.aiofs.aio.HostFile;
import org.aiofs.image.BlockStatus;
import org.aiofs.image.HostFileStatus;
import org.aiofs.image.ImageException;

/** A FLAT or VMFS extent: the guest's bytes as they are, from {@code start} of the file on. */
public record FlatExtent(HostFile file, String type, long sectors, long start) implements Extent {

    /**
     * A flat extent whose bytes must all be in its file: QEMU would read zeroes past a short
     * file's end, which hides a truncated disk, so a short file is refused.
     */
    public static FlatExtent of(String image, HostFile file, String type, long sectors, long startSector)
            throws IOException {
        long fileSize = file.size();
        long start = startSector << 9;
        if (sectors > (Long.MAX_VALUE >> 9) || start > fileSize || (sectors << 9) > fileSize - start) {
            throw ImageException.corrupt(image, type + " extent " + file.path() + " holds " + fileSize
                    + " bytes, too few for " + sectors + " sectors from sector " + startSector);
        }
        return new FlatExtent(file, type, sectors, start);
    }

    @Override
    public int grainBytes() {
        return 0;
    }

    @Override
    public boolean compressed() {
        return false;
    }

    @Override
    public ExtentRun map(long offset, long length) {
        return ExtentRun.data(Math.min(length, size() - offset), start + offset);
    }

    /** As {@link #map}, but holes in the file are ZERO runs (for block status: SEEK_HOLE, qemu-img map). */
    public ExtentRun status(long offset, long length) throws IOException {
        BlockStatus s = HostFileStatus.of(file, start + offset, Math.min(length, size() - offset));
        return s.kind() == BlockStatus.Kind.ZERO ? ExtentRun.zero(s.length()) : ExtentRun.data(s.length(), s.offset());
    }
}
