package org.aiofs.image;

import java.io.IOException;
import java.util.List;

import org.aiofs.aio.HostFile;
import org.aiofs.image.qcow2.Qcow2Image;
import org.aiofs.image.raw.RawImage;

/**
 * What `aiofs info` reports about an opened image, as `qemu-img info` does. Fields a
 * format does not have are null (cluster size, version, ... of a raw image).
 *
 * @param backingFile       the backing name as the image spells it
 * @param backingChain      every level below this image, nearest first (resolved file, format)
 * @param allocatedBytes    bytes the image file holds on the host (its data extents)
 */
public record ImageInfo(
        String file,
        String format,
        long virtualSize,
        Integer clusterSize,
        Integer version,
        String compressionType,
        String backingFile,
        String backingFormat,
        List<BackingLevel> backingChain,
        List<SnapshotInfo> snapshots,
        boolean dirty,
        boolean corrupt,
        boolean extendedL2,
        boolean lazyRefcounts,
        Integer refcountBits,
        String dataFile,
        boolean dataFileRaw,
        long allocatedBytes) {

    public record BackingLevel(String file, String format) {
    }

    public record SnapshotInfo(String id, String name, long virtualSize, long dateSeconds, long dateNanos,
            long vmClockNanos, long vmStateSize) {
    }

    /** Describes an image opened by {@link ImageOpener}. */
    public static ImageInfo of(BlockImage image) throws IOException {
        if (image instanceof Qcow2Image q) {
            return q.info();
        }
        long allocated = image instanceof RawImage r ? allocatedBytes(r.file()) : 0;
        return new ImageInfo(image.name(), image.format(), image.size(), null, null, null, null, null, List.of(),
                List.of(), false, false, false, false, null, null, false, allocated);
    }

    /** The file's data extents, found with SEEK_DATA/SEEK_HOLE. */
    public static long allocatedBytes(HostFile file) throws IOException {
        long size = file.size();
        long total = 0;
        long pos = 0;
        while (pos < size) {
            long data = file.seekData(pos);
            if (data < 0) {
                break;
            }
            long hole = file.seekHole(data);
            long end = hole < 0 ? size : hole;
            total += end - data;
            pos = end;
        }
        return total;
    }
}
