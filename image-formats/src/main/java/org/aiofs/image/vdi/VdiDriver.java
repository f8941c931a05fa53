package org.aiofs.image.vdi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;
import java.util.List;

import org.aiofs.aio.HostFile;
import org.aiofs.image.BlockImage;
import org.aiofs.image.DriverCapabilities;
import org.aiofs.image.ImageDriver;
import org.aiofs.image.ImageException;
import org.aiofs.image.ImageInfo;
import org.aiofs.image.OpenContext;
import org.aiofs.image.blockmap.MappedImage;
import org.aiofs.image.qcow2.MetadataReader;

/** VirtualBox VDI, static and dynamic (version 1.1, 1 MiB blocks), read-only. */
public final class VdiDriver implements ImageDriver {
    public static final String NAME = "vdi";

    private static final DriverCapabilities CAPABILITIES = new DriverCapabilities(false, false, false, false, false,
            false, false, true);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DriverCapabilities capabilities() {
        return CAPABILITIES;
    }

    /** As QEMU: the signature at 0x40 of a file of at least one header. */
    @Override
    public int probe(ByteBuffer head) {
        return head.remaining() >= VdiHeader.SIZE && head.duplicate().order(ByteOrder.LITTLE_ENDIAN)
                .getInt(head.position() + VdiHeader.SIGNATURE_OFFSET) == VdiHeader.SIGNATURE ? 100 : 0;
    }

    @Override
    public BlockImage open(HostFile file, OpenContext context) throws IOException {
        String image = file.name();
        long fileSize = file.size();
        if (fileSize < VdiHeader.SIZE) {
            throw ImageException.corrupt(image, "file too short for a VDI header (" + fileSize + " bytes)");
        }
        MetadataReader meta = new MetadataReader(file, context.engine(), image);
        VdiHeader header = VdiHeader.parse(image, meta.read(0, VdiHeader.SIZE, "VDI header"), fileSize);
        int blocks = (int) header.blocksInImage();
        int[] map = new int[blocks];
        int chunk = 1 << 18;
        for (int done = 0; done < blocks; done += chunk) {
            int n = Math.min(chunk, blocks - done);
            meta.read(header.offsetBlockMap() + done * 4L, n * 4, "VDI block map").order(ByteOrder.LITTLE_ENDIAN)
                    .asIntBuffer().get(map, done, n);
        }
        checkBlockMap(image, map);
        return new MappedImage(file, context.engine(), NAME, header.roundedDiskSize(), new VdiLayout(header, map),
                null);
    }

    /** Each allocated entry names its own slot of the data area (qemu-img check's rules). */
    private static void checkBlockMap(String image, int[] map) throws ImageException {
        BitSet used = new BitSet(map.length);
        for (int i = 0; i < map.length; i++) {
            if (!VdiLayout.allocated(map[i])) {
                continue;
            }
            if (map[i] < 0 || map[i] >= map.length) {
                throw ImageException.corrupt(image, "VDI block map entry " + i + " names data block "
                        + Integer.toUnsignedString(map[i]) + ", past the " + map.length + " blocks of the image");
            }
            if (used.get(map[i])) {
                throw ImageException.corrupt(image, "VDI block map entry " + i + " names data block " + map[i]
                        + ", which an earlier entry uses too");
            }
            used.set(map[i]);
        }
    }

    @Override
    public ImageInfo describe(BlockImage image) throws IOException {
        MappedImage m = (MappedImage) image;
        VdiLayout layout = (VdiLayout) m.map();
        return new ImageInfo(m.name(), NAME, m.size(), m.file().allocatedBytes(), layout.blockSize(), null,
                null, List.of(), List.of(), Boolean.FALSE, null);
    }
}
