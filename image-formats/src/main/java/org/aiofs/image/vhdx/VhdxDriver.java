package org.aiofs.image.vhdx;

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

/** Hyper-V VHDX: fixed, dynamic and differencing files, read-only. Probed by "vhdxfile" at the start, as QEMU. */
public final class VhdxDriver implements ImageDriver {
    public static final String NAME = "vhdx";

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
        if (head.remaining() < VhdxOpener.SIGNATURE.length) {
            return 0;
        }
        for (int i = 0; i < VhdxOpener.SIGNATURE.length; i++) {
            if (head.get(head.position() + i) != VhdxOpener.SIGNATURE[i]) {
                return 0;
            }
        }
        return 100;
    }

    @Override
    public BlockImage open(HostFile file, OpenContext context) throws IOException {
        return VhdxOpener.open(file, context, NAME);
    }

    @Override
    public ImageInfo describe(BlockImage image) throws IOException {
        MappedImage m = (MappedImage) image;
        VhdxLayout layout = (VhdxLayout) m.map();
        return new ImageInfo(m.name(), NAME, m.size(), m.file().allocatedBytes(), layout.blockSize(),
                layout.parentName(), null, ImageInfo.backingChain(m), List.of(), Boolean.FALSE, null);
    }
}
