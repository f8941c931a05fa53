package org.aiofs.image.vpc;

import org.aiofs.aio.nativeio.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import org.aiofs.aio.HostFile;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageException;
import org.aiofs.image.OpenContext;
import org.aiofs.image.blockmap.MappedImage;
import org.aiofs.image.qcow2.MetadataReader;

/**
 * Opens a VHD the way QEMU does (block/vpc.c): the footer copy at the start names a dynamic or
 * differencing disk; without it, the footer at the end must name a fixed disk. One step beyond
 * QEMU: when the copy at the start is damaged (bad checksum), the footer at the end stands in
 * for it. Every table and block is checked against the file; a differencing disk reads through
 * its parent, found by its locators and checked by its unique id.
 */
public final class VhdOpener {
    /** The BAT is read whole: at most 32 MiB of it (8 Mi blocks; 16 TiB at the usual 2 MiB blocks). */
    static final int MAX_BAT_ENTRIES = 8 << 20;

    private VhdOpener() {
    }

    public static MappedImage open(HostFile file, OpenContext context, String format) throws IOException {
        String image = file.name();
        long fileSize = file.size();
        if (fileSize < VhdFooter.SIZE) {
            throw ImageException.corrupt(image, "file too short for a VHD footer (" + fileSize + " bytes)");
        }
        MetadataReader meta = new MetadataReader(file, context.engine(), image);
        VhdFooter footer = footer(image, meta, fileSize);
        long size = VhdSize.virtualSize(image, footer);
        if (footer.diskType() == VhdFooter.TYPE_FIXED) {
            if (size > fileSize - VhdFooter.SIZE) {
                throw ImageException.corrupt(image, "VHD footer: a fixed disk of " + size + " bytes needs a file of "
                        + (size + VhdFooter.SIZE) + " bytes, the file has " + fileSize);
            }
            return new MappedImage(file, context.engine(), format, size, VhdLayout.fixed(footer), null);
        }
        VhdDynamicHeader header = dynamicHeader(image, meta, footer, fileSize);
        checkBlocks(image, header, size);
        int[] bat = bat(image, meta, header, footer, fileSize);
        if (footer.diskType() != VhdFooter.TYPE_DIFFERENCING) {
            return new MappedImage(file, context.engine(), format, size,
                    VhdLayout.dynamic(footer, header, bat, null, meta), null);
        }
        String parentName = VhdParent.find(image, file, meta, header, fileSize);
        BlockImage parent = context.openBacking(file, parentName, format);
        try {
            VhdParent.checkIdentity(image, parentName, header, parent);
            return new MappedImage(file, context.engine(), format, size,
                    VhdLayout.dynamic(footer, header, bat, parentName, meta), parent);
        } catch (IOException | RuntimeException e) {
            parent.close();
            throw e;
        }
    }

    private static VhdFooter footer(String image, MetadataReader meta, long fileSize) throws IOException {
        ByteBuffer head = meta.read(0, VhdFooter.SIZE, "VHD footer copy");
        ByteBuffer tail = meta.read(fileSize - VhdFooter.SIZE, VhdFooter.SIZE, "VHD footer");
        if (!VhdFooter.hasCookie(head)) {
            if (!VhdFooter.hasCookie(tail)) {
                throw ImageException.corrupt(image, "no VHD footer (\"conectix\") at the start or at the end");
            }
            VhdFooter footer = VhdFooter.parse(image, "at the end", tail);
            if (footer.diskType() != VhdFooter.TYPE_FIXED) {
                throw ImageException.corrupt(image, "VHD footer at the end says disk type " + footer.typeName()
                        + ", but its copy at the start of the file is missing");
            }
            return footer;
        }
        VhdFooter footer;
        try {
            footer = VhdFooter.parse(image, "copy at the start", head);
        } catch (ImageException damaged) {
            if (!VhdFooter.hasCookie(tail)) {
                throw damaged;
            }
            try {
                footer = VhdFooter.parse(image, "at the end", tail);
            } catch (ImageException both) {
                throw damaged;
            }
        }
        if (footer.diskType() != VhdFooter.TYPE_DYNAMIC && footer.diskType() != VhdFooter.TYPE_DIFFERENCING) {
            throw new ImageException(image + ": VHD footer copy at the start says disk type " + footer.typeName()
                    + " (a footer at the start belongs to dynamic and differencing disks only)",
                    footer.diskType() == VhdFooter.TYPE_FIXED ? Errno.EIO : Errno.ENOTSUP);
        }
        return footer;
    }

    private static VhdDynamicHeader dynamicHeader(String image, MetadataReader meta, VhdFooter footer, long fileSize)
            throws IOException {
        long at = footer.dataOffset();
        if (at < VhdFooter.SIZE || at > fileSize - VhdDynamicHeader.SIZE) {
            throw ImageException.corrupt(image, "VHD footer: data_offset 0x" + Long.toHexString(at)
                    + " (the dynamic disk header) lies outside the file (" + fileSize + " bytes)");
        }
        return VhdDynamicHeader.parse(image, meta.read(at, VhdDynamicHeader.SIZE, "VHD dynamic disk header"));
    }

    private static void checkBlocks(String image, VhdDynamicHeader header, long size) throws ImageException {
        int blockSize = header.blockSize();
        if (blockSize < 512 || Integer.bitCount(blockSize) != 1) {
            throw ImageException.corrupt(image, "VHD dynamic disk header: block_size "
                    + Integer.toUnsignedString(blockSize) + " is not a power of two of at least 512");
        }
        long entries = Integer.toUnsignedLong(header.maxTableEntries());
        if (entries > MAX_BAT_ENTRIES) {
            throw ImageException.corrupt(image, "VHD dynamic disk header: max_table_entries " + entries
                    + " exceeds the limit of " + MAX_BAT_ENTRIES);
        }
        if (entries * blockSize < size) {
            throw ImageException.corrupt(image, "VHD dynamic disk header: max_table_entries " + entries + " blocks of "
                    + blockSize + " bytes cover less than the " + size + "-byte disk");
        }
    }

    private static int[] bat(String image, MetadataReader meta, VhdDynamicHeader header, VhdFooter footer,
            long fileSize) throws IOException {
        int entries = header.maxTableEntries();
        long tableOffset = header.tableOffset();
        long tableBytes = entries * 4L;
        if (tableOffset < VhdFooter.SIZE || tableOffset > fileSize || tableBytes > fileSize - tableOffset) {
            throw ImageException.corrupt(image, "VHD dynamic disk header: table_offset 0x"
                    + Long.toHexString(tableOffset) + " (the " + tableBytes + "-byte BAT) lies outside the file ("
                    + fileSize + " bytes)");
        }
        int[] bat = new int[entries];
        int chunk = 1 << 18;
        for (int done = 0; done < entries; done += chunk) {
            int n = Math.min(chunk, entries - done);
            ByteBuffer b = meta.read(tableOffset + done * 4L, n * 4, "VHD block allocation table");
            b.asIntBuffer().get(bat, done, n);
        }
        long blockBytes = (long) VhdLayout.bitmapSize(header.blockSize()) + header.blockSize();
        long metaStart = Math.min(tableOffset, footer.dataOffset());
        long metaEnd = Math.max(tableOffset + tableBytes, footer.dataOffset() + VhdDynamicHeader.SIZE);
        for (int i = 0; i < entries; i++) {
            if (bat[i] == VhdLayout.UNALLOCATED) {
                continue;
            }
            long start = 512L * Integer.toUnsignedLong(bat[i]);
            if (start + blockBytes > fileSize) {
                throw ImageException.corrupt(image, "VHD BAT entry " + i + ": block at 0x" + Long.toHexString(start)
                        + " lies beyond the end of the file (" + fileSize + " bytes; the image is truncated)");
            }
            if (start < VhdFooter.SIZE || start < metaEnd && start + blockBytes > metaStart) {
                throw ImageException.corrupt(image, "VHD BAT entry " + i + ": block at 0x" + Long.toHexString(start)
                        + " overlaps the footer copy, the dynamic disk header or the BAT");
            }
        }
        return bat;
    }

    static boolean sameId(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }
}
