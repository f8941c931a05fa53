package org.aiofs.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;


/**
 * What `aiofs info` reports about an opened image, as `qemu-img info` does. Fields a
 * format does not have are null.
 *
 * @param allocatedBytes bytes the image file takes on the host (qemu-img's "disk size": st_blocks, preallocated
 *                       blocks included; files the image names are not added, as qemu-img 7.2 does not
 *                       add a qcow2 image's external data file)
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

}
