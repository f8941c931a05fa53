package org.aiofs.image.vmdk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;
import org.aiofs.image.ImageException;
import org.aiofs.image.RangeCheck;
import org.aiofs.image.vmdk.descriptor.DescriptorIds;

/**
 * A VMDK disk: its extents in order (flat or sparse, in the descriptor's file or in files of
 * their own), read through its parent where a sparse extent has no grain; writable when opened
 * so and every extent is flat or VMDK4 sparse ({@link VmdkWriter}).
 */
public final class VmdkImage implements BlockImage {
    public static final String FORMAT = "vmdk";

    private final HostFile file;
    private final List<HostFile> extentFiles;
    private final ExtentTable extents;
    private final String createType;
    private final DescriptorIds ids;
    private final BlockImage parent;
    private final VmdkReader reader;
    /** Null when read-only. */
    private final VmdkWriter writer;

    /**
     * @param file        the file the user named (descriptor, or monolithic sparse file)
     * @param extentFiles the other files the descriptor names, closed with the image
     */
    VmdkImage(HostFile file, List<HostFile> extentFiles, ExtentTable extents, String createType, DescriptorIds ids,
            BlockImage parent, IoEngine engine, VmdkWriter writer) {
        this.file = file;
        this.extentFiles = List.copyOf(extentFiles);
        this.extents = extents;
        this.createType = createType;
        this.ids = ids;
        this.parent = parent;
        this.reader = new VmdkReader(extents, engine, parent);
        this.writer = writer;
    }

    public HostFile file() {
        return file;
    }

    /** Every file of the disk: the one the user named, then the extent files. */
    public List<HostFile> files() {
        List<HostFile> all = new ArrayList<>();
        all.add(file);
        all.addAll(extentFiles);
        return all;
    }

    public List<PlacedExtent> extents() {
        return extents.all();
    }

    public String createType() {
        return createType;
    }

    public DescriptorIds ids() {
        return ids;
    }

    @Override
    public String name() {
        return file.path().toString();
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public long size() {
        return extents.size();
    }

    @Override
    public boolean readOnly() {
        return writer == null;
    }

    @Override
    public BlockImage backing() {
        return parent;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        try {
            RangeCheck.inside(this, offset, dst.remaining());
            return reader.read(offset, dst);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src) {
        try {
            RangeCheck.writableRange(this, offset, src.remaining());
        } catch (ImageException e) {
            return CompletableFuture.failedFuture(e);
        }
        return writer.write(offset, src);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean unmap) {
        try {
            RangeCheck.writableRange(this, offset, length);
        } catch (ImageException e) {
            return CompletableFuture.failedFuture(e);
        }
        return writer.writeZeroes(offset, length);
    }

    /** Discarded ranges read as zeroes afterwards (never as the parent's data). */
    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return writeZeroes(offset, length, true);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return writer == null ? CompletableFuture.completedFuture(null) : writer.flush();
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        RangeCheck.inside(this, offset, length);
        if (length == 0) {
            return new BlockStatus(BlockStatus.Kind.DATA, offset, 0);
        }
        return reader.blockStatus(offset, length);
    }

    /**
     * Flushes what was written, then closes the parent, the extent files and the named file;
     * every one is closed even when one fails.
     */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        try {
            org.aiofs.aio.Futures.await(flush());
        } catch (IOException e) {
            failure = e;
        }
        List<Closeable> order = new ArrayList<>();
        if (parent != null) {
            order.add(parent);
        }
        order.addAll(extentFiles);
        order.add(file);
        for (Closeable c : order) {
            try {
                c.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
