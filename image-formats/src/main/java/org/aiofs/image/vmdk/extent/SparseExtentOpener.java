package org.aiofs.image.vmdk.extent;

import org.aiofs.aio.nativeio.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.image.ImageException;
import org.aiofs.image.qcow2.MetadataReader;

/**
 * Opens a sparse extent file: its header (VMDK4 "KDMV", with the footer of a stream-optimized
 * file when the header defers to it, or VMDK3 "COWD") checked, and its grain directory read.
 */
public final class SparseExtentOpener {
    private SparseExtentOpener() {
    }

    /**
     * @param type                 what the descriptor calls the extent ("" for a monolithic sparse file)
     * @param maxDirectoryEntries  how many grain directory entries the disk may still hold in memory
     */
    public static SparseExtent open(HostFile file, String type, GrainTableCache cache, IoEngine engine,
            long maxDirectoryEntries) throws IOException {
        String image = file.path().toString();
        long fileSize = file.size();
        MetadataReader meta = new MetadataReader(file, engine, image);
        GrainLayout layout = layout(meta, fileSize);
        if (layout.gdEntries() > maxDirectoryEntries) {
            throw ImageException.corrupt(image, "the grain directories of this disk's extents exceed the limit of "
                    + GrainLayout.MAX_GD_ENTRIES + " entries in all");
        }
        int[] directory = readDirectory(meta, layout);
        return new SparseExtent(file, type, layout, directory, cache, meta, fileSize);
    }

    private static GrainLayout layout(MetadataReader meta, long fileSize) throws IOException {
        String image = meta.image();
        ByteBuffer head = meta.readUpTo(0, 512);
        if (head.limit() < 4) {
            throw ImageException.corrupt(image, "file too short (" + fileSize + " bytes) for a VMDK sparse extent");
        }
        int magic = head.getInt(0);
        if (magic == SparseHeader.MAGIC) {
            if (head.limit() < SparseHeader.LENGTH) {
                throw ImageException.corrupt(image, "file too short (" + fileSize + " bytes) for a VMDK4 header");
            }
            SparseHeader header = SparseHeader.parse(head);
            if (header.onlyDescribes()) {
                throw new ImageException(image + ": a sparse extent with no capacity, only a descriptor: extents"
                        + " that name further extents are not supported", Errno.ENOTSUP);
            }
            if (header.gdAtEnd()) {
                header = StreamFooter.read(meta, fileSize);
            }
            return header.layout(image, fileSize);
        }
        if (magic == CowdHeader.MAGIC) {
            if (head.limit() < CowdHeader.LENGTH) {
                throw ImageException.corrupt(image, "file too short (" + fileSize + " bytes) for a VMDK3 header");
            }
            return CowdHeader.parse(head).layout(image, fileSize);
        }
        throw ImageException.corrupt(image, "not a VMDK sparse extent (no KDMV or COWD magic)");
    }

    private static int[] readDirectory(MetadataReader meta, GrainLayout layout) throws IOException {
        int[] directory = new int[layout.gdEntries()];
        int chunk = 1 << 18; // entries per read: 1 MiB
        for (int done = 0; done < directory.length; ) {
            int n = Math.min(chunk, directory.length - done);
            ByteBuffer b = meta.read(layout.gdOffset() + 4L * done, 4 * n, "grain directory")
                    .order(ByteOrder.LITTLE_ENDIAN);
            b.asIntBuffer().get(directory, done, n);
            done += n;
        }
        return directory;
    }
}
