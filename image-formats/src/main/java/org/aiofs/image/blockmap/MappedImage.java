package org.aiofs.image.blockmap;

import org.aiofs.aio.nativeio.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;
import org.aiofs.image.ImageException;
import org.aiofs.image.RangeCheck;

/**
 * A read-only image of a block-mapped format: its guest bytes are found through the format's
 * {@link GuestMap} (which the format's driver keeps for {@code describe}), read from the image
 * file or from the backing image. Writes fail with EROFS. Owns the file and the backing image.
 */
public final class MappedImage implements BlockImage {
    private final HostFile file;
    private final String format;
    private final long size;
    private final GuestMap map;
    private final BlockImage backing;
    private final MappedReader reader;

    public MappedImage(HostFile file, IoEngine engine, String format, long size, GuestMap map, BlockImage backing) {
        this.file = file;
        this.format = format;
        this.size = size;
        this.map = map;
        this.backing = backing;
        this.reader = new MappedReader(map, file, engine, backing);
    }

    /** The format's own map (its tables and headers), for the driver's {@code describe}. */
    public GuestMap map() {
        return map;
    }

    public HostFile file() {
        return file;
    }

    @Override
    public String name() {
        return file.name();
    }

    @Override
    public String format() {
        return format;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    @Override
    public BlockImage backing() {
        return backing;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        try {
            RangeCheck.inside(this, offset, dst.remaining());
            if (!dst.hasRemaining()) {
                return CompletableFuture.completedFuture(null);
            }
            return reader.read(offset, dst);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src) {
        return refused(offset, src.remaining());
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean unmap) {
        return refused(offset, length);
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return refused(offset, length);
    }

    private CompletableFuture<Void> refused(long offset, long length) {
        try {
            RangeCheck.writableRange(this, offset, length);
            throw new ImageException(name() + ": " + format + " images are read-only", Errno.EROFS);
        } catch (ImageException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Void> flush() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        RangeCheck.inside(this, offset, length);
        if (length == 0) {
            return new BlockStatus(BlockStatus.Kind.DATA, offset, 0);
        }
        return reader.blockStatus(offset, length);
    }

    @Override
    public void close() throws IOException {
        try {
            if (backing != null) {
                backing.close();
            }
        } finally {
            file.close();
        }
    }
}
