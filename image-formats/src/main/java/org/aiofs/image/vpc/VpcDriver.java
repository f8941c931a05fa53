package org.aiofs.image.vpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import org.aiofs.aio.HostFile;
import org.aiofs.image.BlockImage;
import org.aiofs.image.DriverCapabilities;
import org.aiofs.image.ImageDriver;
import org.aiofs.image.ImageInfo;
import org.aiofs.image.OpenContext;
import org.aiofs.image.blockmap.MappedImage;

/**
 * VHD, QEMU's "vpc": fixed, dynamic and differencing disks, read-only. Probed as QEMU probes
 * it, by the footer copy at the start: a fixed VHD has its footer only at the end, so (as in
 * QEMU) it probes as raw and needs {@code --format vpc}.
 */
public final class VpcDriver implements ImageDriver {
    public static final String NAME = "vpc";

    private static final DriverCapabilities CAPABILITIES = new DriverCapabilities(false, false, false, false, true,
            false, false, true);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DriverCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public int probe(ByteBuffer head) {
        return VhdFooter.hasCookie(head) ? 100 : 0;
    }

    @Override
    public BlockImage open(HostFile file, OpenContext context) throws IOException {
        return VhdOpener.open(file, context, NAME);
    }

    @Override
    public ImageInfo describe(BlockImage image) throws IOException {
        MappedImage m = (MappedImage) image;
        VhdLayout layout = (VhdLayout) m.map();
        return new ImageInfo(m.name(), NAME, m.size(), m.file().allocatedBytes(), layout.blockSize(),
                layout.parentName(), null, ImageInfo.backingChain(m), List.of(), Boolean.FALSE, null);
    }
}
