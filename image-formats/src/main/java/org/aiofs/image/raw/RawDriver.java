package org.aiofs.image.raw;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.aiofs.aio.HostFile;
import org.aiofs.image.BlockImage;
import org.aiofs.image.CreateRequest;
import org.aiofs.image.DriverCapabilities;
import org.aiofs.image.ImageDriver;
import org.aiofs.image.ImageInfo;
import org.aiofs.image.OpenContext;

/**
 * Raw: guest offset = file offset. It matches every file weakly, so it is what a probe
 * falls back to, and a probed raw image is never opened for writing.
 */
public final class RawDriver implements ImageDriver {
    public static final String NAME = "raw";

    private static final DriverCapabilities CAPABILITIES = new DriverCapabilities(true, true, true, false, false,
            false, true, false);

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
        return 1;
    }

    @Override
    public BlockImage open(HostFile file, OpenContext context) throws IOException {
        return new RawImage(file, context.engine());
    }

    @Override
    public ImageInfo describe(BlockImage image) throws IOException {
        return ImageInfo.basic(image, ((RawImage) image).file().allocatedBytes());
    }

    @Override
    public void create(Path image, CreateRequest request) throws IOException {
        if (request.backingFile() != null || !request.options().isEmpty()) {
            throw new IllegalArgumentException("raw images take no backing file and no -o options");
        }
        RawCreator.create(image, request.virtualSize());
    }
}
