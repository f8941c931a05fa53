package org.aiofs.image.vmdk;

import org.aiofs.aio.nativeio.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageException;
import org.aiofs.image.OpenContext;
import org.aiofs.image.qcow2.MetadataReader;
import org.aiofs.image.vmdk.descriptor.CreateType;
import org.aiofs.image.vmdk.descriptor.DescriptorIds;
import org.aiofs.image.vmdk.descriptor.DescriptorText;
import org.aiofs.image.vmdk.descriptor.ExtentLine;
import org.aiofs.image.vmdk.descriptor.ExtentLines;
import org.aiofs.image.vmdk.extent.CowdHeader;
import org.aiofs.image.vmdk.extent.Extent;
import org.aiofs.image.vmdk.extent.FlatExtent;
import org.aiofs.image.vmdk.extent.GrainLayout;
import org.aiofs.image.vmdk.extent.GrainTableCache;
import org.aiofs.image.vmdk.extent.SparseExtent;
import org.aiofs.image.vmdk.extent.SparseExtentOpener;
import org.aiofs.image.vmdk.extent.SparseHeader;

/**
 * Opens a VMDK disk as QEMU does (block/vmdk.c, vmdk_open): a file starting with a sparse
 * header is one sparse extent whose descriptor is embedded at sector 1 (monolithicSparse,
 * streamOptimized); any other file is a descriptor naming extent files, opened through the
 * {@link OpenContext} (resolved in the descriptor's folder, locked, never a file the chain
 * already holds). A parentFileNameHint is the parent, opened as a vmdk through the registry,
 * whose CID must be the parentCID this disk recorded.
 */
public final class VmdkOpener {
    /** Where QEMU reads the embedded descriptor's ids from a sparse file (sector 1). */
    private static final long EMBEDDED_DESCRIPTOR = 0x200;

    private final HostFile file;
    private final OpenContext context;
    private final String name;
    private final MetadataReader meta;
    private final GrainTableCache tables = new GrainTableCache(GrainTableCache.DEFAULT_BUDGET_BYTES);
    private final List<HostFile> extentFiles = new ArrayList<>();
    private long directoryBudget = GrainLayout.MAX_GD_ENTRIES;

    private VmdkOpener(HostFile file, OpenContext context) {
        this.file = file;
        this.context = context;
        this.name = file.path().toString();
        this.meta = new MetadataReader(file, context.engine(), name);
    }

    /** Opens the disk {@code file} holds or describes; on failure only {@code file} stays open (the caller's). */
    public static VmdkImage open(HostFile file, OpenContext context) throws IOException {
        VmdkOpener opener = new VmdkOpener(file, context);
        BlockImage parent = null;
        try {
            Described disk = opener.describe();
            if (disk.ids().parentHint() != null) {
                parent = context.openBacking(file, disk.ids().parentHint(), VmdkImage.FORMAT);
                opener.checkParentCid(disk.ids(), parent);
            }
            ExtentTable extents = new ExtentTable(disk.extents());
            VmdkWriter writer = context.readOnly() ? null : VmdkWriter.open(opener.name, extents, context.engine(),
                    parent, file, disk.descriptorOffset());
            return new VmdkImage(file, opener.extentFiles, extents, disk.createType(), disk.ids(), parent,
                    context.engine(), writer);
        } catch (IOException | RuntimeException e) {
            if (parent != null) {
                closeQuietly(parent, e);
            }
            for (HostFile f : opener.extentFiles) {
                closeQuietly(f, e);
            }
            throw e;
        }
    }

    /**
     * @param descriptorOffset where the descriptor holding the ids starts in the named file
     */
    private record Described(String createType, List<PlacedExtent> extents, DescriptorIds ids,
            long descriptorOffset) {
    }

    private Described describe() throws IOException {
        long fileSize = file.size();
        if (fileSize < 4) {
            throw ImageException.corrupt(name, "file too short (" + fileSize + " bytes) for a VMDK image");
        }
        ByteBuffer head = meta.readUpTo(0, 512);
        int magic = head.getInt(0);
        if (magic != SparseHeader.MAGIC && magic != CowdHeader.MAGIC) {
            DescriptorText descriptor = descriptorAt(0, fileSize);
            return new Described(CreateType.of(name, descriptor), describedExtents(descriptor),
                    DescriptorIds.read(name, descriptor), 0);
        }
        String createType;
        List<PlacedExtent> extents;
        if (magic == SparseHeader.MAGIC && head.limit() >= SparseHeader.LENGTH
                && SparseHeader.parse(head).onlyDescribes()) {
            long at = SparseHeader.parse(head).descriptorOffset();
            if (at < 0 || at > Long.MAX_VALUE >> 9) {
                throw ImageException.corrupt(name, "descriptorOffset 0x" + Long.toHexString(at)
                        + " is beyond any file");
            }
            DescriptorText descriptor = descriptorAt(at << 9, fileSize);
            createType = CreateType.of(name, descriptor);
            extents = describedExtents(descriptor);
        } else {
            SparseExtent extent = SparseExtentOpener.open(file, "", tables, context.engine(), directoryBudget);
            createType = extent.compressed() ? CreateType.STREAM_OPTIMIZED : CreateType.MONOLITHIC_SPARSE;
            extents = List.of(new PlacedExtent(extent, 0, name));
        }
        ByteBuffer embedded = meta.readUpTo(EMBEDDED_DESCRIPTOR, DescriptorText.ID_WINDOW_BYTES);
        return new Described(createType, extents, DescriptorIds.read(name, DescriptorText.decode(embedded)),
                EMBEDDED_DESCRIPTOR);
    }

    /** The descriptor text at {@code offset}: as much as QEMU reads (the file's size, at most 1 MiB - 1). */
    private DescriptorText descriptorAt(long offset, long fileSize) throws IOException {
        if (offset >= fileSize) {
            throw ImageException.corrupt(name, "the descriptor at 0x" + Long.toHexString(offset)
                    + " lies beyond the end of the file (" + fileSize + " bytes)");
        }
        return DescriptorText.decode(meta.readUpTo(offset, (int) Math.min(fileSize, DescriptorText.MAX_BYTES)));
    }

    /** The extents a descriptor names, opened in order; the same file named twice is opened once. */
    private List<PlacedExtent> describedExtents(DescriptorText descriptor) throws IOException {
        List<ExtentLine> lines = ExtentLines.parse(name, descriptor);
        if (lines.isEmpty()) {
            throw ImageException.corrupt(name, "the descriptor names no extent");
        }
        Map<String, HostFile> opened = new HashMap<>();
        List<PlacedExtent> extents = new ArrayList<>();
        long start = 0;
        for (ExtentLine line : lines) {
            HostFile f = opened.get(line.fileName());
            if (f == null) {
                f = context.openNamedFile(file, line.fileName(), "extent");
                extentFiles.add(f);
                opened.put(line.fileName(), f);
            }
            Extent extent = extent(line, f);
            if (extent.sectors() > (Long.MAX_VALUE >> 9) - (start >> 9)) {
                throw ImageException.corrupt(name, "the extents add up to more than 2^63 bytes");
            }
            extents.add(new PlacedExtent(extent, start, displayName(line.fileName())));
            start += extent.size();
        }
        return extents;
    }

    private Extent extent(ExtentLine line, HostFile f) throws IOException {
        if (line.flat()) {
            return FlatExtent.of(name, f, line.type(), line.sectors(), line.flatOffset());
        }
        if (line.type().equals(ExtentLine.SESPARSE)) {
            throw new ImageException(name + ": seSparse extent \"" + line.fileName() + "\" is not supported",
                    Errno.ENOTSUP);
        }
        SparseExtent extent = SparseExtentOpener.open(f, line.type(), tables, context.engine(), directoryBudget);
        directoryBudget -= extent.layout().gdEntries();
        if (extent.sectors() != line.sectors()) {
            throw ImageException.corrupt(name, "extent \"" + line.fileName() + "\" is " + line.sectors()
                    + " sectors in the descriptor but " + extent.sectors() + " in its own header");
        }
        return extent;
    }

    /** As qemu-img info names an extent file: the descriptor's folder as the user gave it, then the name. */
    private String displayName(String fileName) {
        if (fileName.startsWith("/")) {
            return fileName;
        }
        int slash = name.lastIndexOf('/');
        return name.substring(0, slash + 1) + fileName;
    }

    /** QEMU reads nothing through a parent whose CID is not the parentCID recorded here. */
    private void checkParentCid(DescriptorIds ids, BlockImage parent) throws ImageException {
        if (!(parent instanceof VmdkImage vmdk) || vmdk.ids().cid() != ids.parentCid()) {
            String parentCid = parent instanceof VmdkImage vmdk ? vmdk.ids().cidHex() : "none";
            throw ImageException.corrupt(name, "parentCID " + Long.toHexString(ids.parentCid())
                    + " is not the CID of the parent " + parent.name() + " (" + parentCid + "): the parent changed"
                    + " after this disk was made from it");
        }
    }

    private static void closeQuietly(AutoCloseable c, Exception failure) {
        try {
            c.close();
        } catch (Exception e) {
            failure.addSuppressed(e);
        }
    }
}
