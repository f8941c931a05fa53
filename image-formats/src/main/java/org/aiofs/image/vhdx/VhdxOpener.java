package org.aiofs.image.vhdx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.aiofs.aio.HostFile;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageException;
import org.aiofs.image.OpenContext;
import org.aiofs.image.blockmap.MappedImage;
import org.aiofs.image.qcow2.MetadataReader;

/**
 * Opens a VHDX read-only: file identifier, the current header, the log (a log that needs
 * replaying is refused), the region table, the metadata, then the BAT, every entry of which is
 * checked (state, place in the file, no overlap with any other structure or block). A
 * differencing file reads through its parent, found by its locator and checked by its
 * data-write GUID.
 */
public final class VhdxOpener {
    /** The BAT is read whole: at most 64 MiB of it (8 Mi entries: 8 TiB at 1 MiB blocks, 64 TiB at 8 MiB). */
    static final long MAX_BAT_ENTRIES = 8L << 20;
    static final byte[] SIGNATURE = "vhdxfile".getBytes(StandardCharsets.US_ASCII);
    private static final int MIB = 1 << 20;

    private VhdxOpener() {
    }

    public static MappedImage open(HostFile file, OpenContext context, String format) throws IOException {
        String image = file.name();
        long fileSize = file.size();
        MetadataReader meta = new MetadataReader(file, context.engine(), image);
        if (fileSize < MIB) {
            throw ImageException.corrupt(image, "file too short for a VHDX header section (" + fileSize + " bytes)");
        }
        byte[] id = new byte[8];
        meta.read(0, 8, "VHDX file identifier").get(id);
        if (!Arrays.equals(id, SIGNATURE)) {
            throw ImageException.corrupt(image, "no VHDX file identifier (\"vhdxfile\")");
        }
        VhdxHeader header = VhdxHeader.current(image, meta);
        FileRegions regions = new FileRegions(image, fileSize);
        regions.add("header section", 0, MIB);
        VhdxLog.refuseIfDirty(image, meta, header, regions);
        VhdxRegionTable table = VhdxRegionTable.read(image, meta);
        regions.add("BAT region", table.batOffset(), table.batLength());
        regions.add("metadata region", table.metadataOffset(), table.metadataLength());
        VhdxMetadata metadata = VhdxMetadata.read(image, meta, table);
        long[] bat = readBat(image, meta, table, metadata);
        String parentName = null;
        BlockImage parent = null;
        if (metadata.hasParent()) {
            parentName = VhdxParent.find(image, file, metadata);
        }
        VhdxLayout layout = new VhdxLayout(header, metadata, bat, parentName, meta);
        new VhdxBatCheck(image, fileSize, metadata, layout, bat, regions).run();
        if (parentName != null) {
            parent = context.openBacking(file, parentName, format);
            try {
                VhdxParent.checkIdentity(image, parentName, metadata, parent);
            } catch (IOException | RuntimeException e) {
                parent.close();
                throw e;
            }
        }
        return new MappedImage(file, context.engine(), format, metadata.virtualSize(), layout, parent);
    }

    private static long[] readBat(String image, MetadataReader meta, VhdxRegionTable table, VhdxMetadata metadata)
            throws IOException {
        long dataBlocks = (metadata.virtualSize() + metadata.blockSize() - 1) / metadata.blockSize();
        long chunkRatio = metadata.chunkRatio();
        long bitmapBlocks = (dataBlocks + chunkRatio - 1) / chunkRatio;
        long entries = metadata.hasParent() ? bitmapBlocks * (chunkRatio + 1)
                : dataBlocks == 0 ? 0 : dataBlocks + (dataBlocks - 1) / chunkRatio;
        if (entries > MAX_BAT_ENTRIES) {
            throw ImageException.corrupt(image, "VHDX BAT of " + entries + " entries (a " + metadata.virtualSize()
                    + "-byte disk in " + metadata.blockSize() + "-byte blocks) exceeds the limit of "
                    + MAX_BAT_ENTRIES);
        }
        if (entries * 8 > table.batLength()) {
            throw ImageException.corrupt(image, "VHDX BAT region of " + table.batLength() + " bytes is too small for "
                    + entries + " entries");
        }
        long[] bat = new long[(int) entries];
        int chunk = 1 << 17;
        for (int done = 0; done < entries; done += chunk) {
            int n = (int) Math.min(chunk, entries - done);
            ByteBuffer b = meta.read(table.batOffset() + done * 8L, n * 8, "VHDX BAT").order(ByteOrder.LITTLE_ENDIAN);
            b.asLongBuffer().get(bat, done, n);
        }
        return bat;
    }
}
