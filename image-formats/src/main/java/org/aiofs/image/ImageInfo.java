package org.aiofs.image;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.aiofs.aio.HostFile;

/**
 * What `aiofs info` reports about an opened image, as `qemu-img info` does. Fields a
 * format does not have are null.
 *
 * @param allocatedBytes bytes the image's files hold on the host ("disk size")
 * @param backingFile    the backing name as the image spells it
 * @param backingChain   every level below this image, nearest first (resolved file, format)
 * @param dirty          qcow2's dirty flag (null for formats without one)
 * @param formatSpecific qemu-img's "Format specific information", or null
 */
public record ImageInfo(
        String file,
        String format,
        long virtualSize,
        long allocatedBytes,
        Integer clusterSize,
        String backingFile,
        String backingFormat,
        List<BackingLevel> backingChain,
        List<SnapshotInfo> snapshots,
        Boolean dirty,
        FormatSpecific formatSpecific) {

    public record BackingLevel(String file, String format) {
    }

    public record SnapshotInfo(String id, String name, long virtualSize, long dateSeconds, long dateNanos,
            long vmClockNanos, long vmStateSize) {
    }

    /**
     * qemu-img info's format-specific block: its type and fields under qemu-img's JSON keys, in
     * qemu-img's order. Values are strings, numbers, booleans, lists and maps of those.
     */
    public record FormatSpecific(String type, Map<String, Object> data) {
    }

    /** The facts every format has: name, size, allocation, the backing chain below it. */
    public static ImageInfo basic(BlockImage image, long allocatedBytes) {
        return new ImageInfo(image.name(), image.format(), image.size(), allocatedBytes, null, null, null,
                backingChain(image), List.of(), null, null);
    }

    /** The levels below {@code image}, nearest first. */
    public static List<BackingLevel> backingChain(BlockImage image) {
        List<BackingLevel> chain = new ArrayList<>();
        for (BlockImage b = image.backing(); b != null; b = b.backing()) {
            chain.add(new BackingLevel(b.name(), b.format()));
        }
        return chain;
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
