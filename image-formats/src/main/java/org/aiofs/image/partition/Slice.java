package org.aiofs.image.partition;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;
import org.aiofs.image.ImageException;
import org.aiofs.image.RangeCheck;

/**
 * A window [start, start + length) of a parent image, seen as a disk of its own: a
 * partition. Every request is checked against the window before it is shifted onto the
 * parent, so nothing done through a slice reaches outside it. The parent stays owned by
 * whoever opened it: closing a slice flushes it but never closes the parent.
 */
public final class Slice implements BlockImage {
    private final BlockImage parent;
    private final long start;
    private final long length;
    private final String name;
    private final boolean forcedReadOnly;
    private volatile boolean closed;

    /**
     * @param name           for messages, e.g. "vm.qcow2 partition 2"
     * @param forcedReadOnly refuse writes even when the parent takes them
     * @throws IllegalArgumentException when the window does not lie inside the parent
     */
    public Slice(BlockImage parent, long start, long length, String name, boolean forcedReadOnly) {
        if (start < 0 || length < 0 || start > parent.size() || length > parent.size() - start) {
            throw new IllegalArgumentException(parent.name() + ": slice [" + start + ", +" + length
                    + ") does not lie inside the disk (" + parent.size() + " bytes)");
        }
        this.parent = parent;
        this.start = start;
        this.length = length;
        this.name = name;
        this.forcedReadOnly = forcedReadOnly;
    }

    /** The slice for one partition of a table read from {@code parent}. */
    public static Slice of(BlockImage parent, Partition partition, boolean forcedReadOnly) {
        return new Slice(parent, partition.start(), partition.size(),
                parent.name() + " partition " + partition.number(), forcedReadOnly);
    }

    public BlockImage parent() {
        return parent;
    }

    /** The window's first byte in the parent. */
    public long start() {
        return start;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String format() {
        return "partition";
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public boolean readOnly() {
        return forcedReadOnly || parent.readOnly();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        try {
            checkOpen();
            RangeCheck.inside(this, offset, dst.remaining());
        } catch (ImageException e) {
            return CompletableFuture.failedFuture(e);
        }
        return parent.read(start + offset, dst);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src) {
        try {
            checkWritable(offset, src.remaining());
        } catch (ImageException e) {
            return CompletableFuture.failedFuture(e);
        }
        return parent.write(start + offset, src);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean unmap) {
        try {
            checkWritable(offset, length);
        } catch (ImageException e) {
            return CompletableFuture.failedFuture(e);
        }
        return parent.writeZeroes(start + offset, length, unmap);
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        try {
            checkWritable(offset, length);
        } catch (ImageException e) {
            return CompletableFuture.failedFuture(e);
        }
        return parent.discard(start + offset, length);
    }

    @Override
    public CompletableFuture<Void> flush() {
        if (readOnly()) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            checkOpen();
        } catch (ImageException e) {
            return CompletableFuture.failedFuture(e);
        }
        return parent.flush();
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        checkOpen();
        RangeCheck.inside(this, offset, length);
        BlockStatus s = parent.blockStatus(start + offset, length);
        // the parent answers for a run that starts at our offset; keep it inside the window
        long run = Math.min(s.length(), length);
        return new BlockStatus(s.kind(), offset, run);
    }

    /** Flushes what was written through the slice; the parent stays open. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            org.aiofs.aio.Futures.await(flush());
        } finally {
            closed = true;
        }
    }

    private void checkWritable(long offset, long len) throws ImageException {
        checkOpen();
        RangeCheck.writableRange(this, offset, len);
    }

    private void checkOpen() throws ImageException {
        if (closed) {
            throw new ImageException(name + ": used after close", Errno.EIO);
        }
    }

    @Override
    public String toString() {
        return name + " [" + start + ", +" + length + ")";
    }
}
