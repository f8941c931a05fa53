package org.aiofs.image.vmdk.driver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.aiofs.aio.HostFile;
import org.aiofs.image.BlockImage;
import org.aiofs.image.DriverCapabilities;
import org.aiofs.image.ImageDriver;
import org.aiofs.image.ImageInfo;
import org.aiofs.image.OpenContext;
import org.aiofs.image.vmdk.PlacedExtent;
import org.aiofs.image.vmdk.VmdkImage;
import org.aiofs.image.vmdk.VmdkOpener;
import org.aiofs.image.vmdk.extent.CowdHeader;
import org.aiofs.image.vmdk.extent.Extent;
import org.aiofs.image.vmdk.extent.SparseHeader;

/**
 * VMware's VMDK: monolithicSparse, streamOptimized, monolithicFlat, twoGbMaxExtentSparse/Flat,
 * vmfs and vmfsSparse descriptors, parents through parentFileNameHint; written where every
 * extent is flat or VMDK4 sparse (not compressed, not version 3).
 */
public final class VmdkDriver implements ImageDriver {
    /** Writable (flat and VMDK4 sparse extents; the opener refuses the others), zeroed grains for write-zeroes. */
    private static final DriverCapabilities CAPABILITIES = new DriverCapabilities(true, true, false, false, true,
            false, false, true);
    private static final byte[][] VERSION_LINES = {
        "version=1\n".getBytes(StandardCharsets.US_ASCII), "version=2\n".getBytes(StandardCharsets.US_ASCII),
        "version=3\n".getBytes(StandardCharsets.US_ASCII), "version=1\r\n".getBytes(StandardCharsets.US_ASCII),
        "version=2\r\n".getBytes(StandardCharsets.US_ASCII), "version=3\r\n".getBytes(StandardCharsets.US_ASCII)};

    @Override
    public String name() {
        return VmdkImage.FORMAT;
    }

    @Override
    public DriverCapabilities capabilities() {
        return CAPABILITIES;
    }

    /**
     * QEMU's vmdk_probe: a sparse header's magic, or a text whose first line that is neither a
     * comment nor blank (spaces only) is {@code version=1}, 2 or 3.
     */
    @Override
    public int probe(ByteBuffer head) {
        ByteBuffer b = head.duplicate();
        if (b.remaining() < 4) {
            return 0;
        }
        int magic = b.getInt(b.position());
        if (magic == SparseHeader.MAGIC || magic == CowdHeader.MAGIC) {
            return 100;
        }
        int p = b.position();
        int end = b.limit();
        while (p < end) {
            byte c = b.get(p);
            if (c == '#') {
                while (p < end && b.get(p) != '\n') {
                    p++;
                }
                p++;
            } else if (c == ' ') {
                while (p < end && b.get(p) == ' ') {
                    p++;
                }
                if (p < end && b.get(p) == '\r') {
                    p++;
                }
                if (p == end || b.get(p) != '\n') {
                    return 0;
                }
                p++;
            } else {
                return startsWithVersionLine(b, p) ? 100 : 0;
            }
        }
        return 0;
    }

    private static boolean startsWithVersionLine(ByteBuffer b, int p) {
        for (byte[] line : VERSION_LINES) {
            if (b.limit() - p >= line.length && b.slice(p, line.length).equals(ByteBuffer.wrap(line))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public BlockImage open(HostFile file, OpenContext context) throws IOException {
        return VmdkOpener.open(file, context);
    }

    /** What qemu-img info shows: cid, parent cid, create type, and each extent. */
    @Override
    public ImageInfo describe(BlockImage image) throws IOException {
        VmdkImage vmdk = (VmdkImage) image;
        long allocated = 0;
        for (HostFile f : vmdk.files()) {
            allocated += f.allocatedBytes();
        }
        List<PlacedExtent> extents = vmdk.extents();
        boolean uniform = extents.stream().allMatch(e -> sameKind(extents.get(0).extent(), e.extent()));
        Extent first = extents.get(0).extent();
        // qemu-img shows a cluster size and the dirty flag only when all extents are alike (bdrv_get_info)
        Integer clusterSize = uniform && first.grainBytes() > 0 ? first.grainBytes() : null;
        Boolean dirty = uniform ? Boolean.FALSE : null;
        String parent = vmdk.ids().parentHint();
        return new ImageInfo(vmdk.name(), VmdkImage.FORMAT, vmdk.size(), allocated, clusterSize, parent,
                parent == null ? null : VmdkImage.FORMAT, ImageInfo.backingChain(vmdk), List.of(), dirty,
                new ImageInfo.FormatSpecific(VmdkImage.FORMAT, formatSpecific(vmdk)));
    }

    private static boolean sameKind(Extent a, Extent b) {
        boolean aFlat = a.grainBytes() == 0;
        boolean bFlat = b.grainBytes() == 0;
        return aFlat == bFlat && a.compressed() == b.compressed() && (aFlat || a.grainBytes() == b.grainBytes());
    }

    /** qemu-img info's vmdk block, in its order. */
    private static Map<String, Object> formatSpecific(VmdkImage vmdk) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("cid", vmdk.ids().cid());
        data.put("parent-cid", vmdk.ids().parentCid());
        data.put("create-type", vmdk.createType());
        List<Map<String, Object>> extents = new ArrayList<>();
        for (PlacedExtent placed : vmdk.extents()) {
            Extent e = placed.extent();
            Map<String, Object> m = new LinkedHashMap<>();
            if (e.compressed()) {
                m.put("compressed", true);
            }
            m.put("virtual-size", e.size());
            m.put("filename", placed.fileName());
            if (e.grainBytes() > 0) {
                m.put("cluster-size", e.grainBytes());
            }
            m.put("format", e.type());
            extents.add(m);
        }
        data.put("extents", extents);
        return data;
    }
}
