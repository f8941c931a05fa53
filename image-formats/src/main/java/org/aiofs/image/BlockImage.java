package org.aiofs.image;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A virtual disk as a range of guest bytes, whatever stores them (raw file, qcow2 with its
 * backing chain, a partition of another image). Drivers stack: each may read through a child.
 *
 * <p>Buffers are used from position to limit and never moved. Ranges must lie inside
 * {@link #size()}. Futures fail with an {@link ImageException} (or a host I/O error) that
 * names the image and the offset; the FUSE edge turns them into errno values.
 */
public interface BlockImage extends Closeable {

    /** The file behind the image, for messages. */
    String name();

    /** Format name as users spell it: its driver's name ("raw", "qcow2"), or "partition". */
    String format();

    /** Virtual size in bytes. */
    long size();

    boolean readOnly();

    /** Fills {@code dst.remaining()} bytes read at guest {@code offset}. */
    CompletableFuture<Void> read(long offset, ByteBuffer dst);

    /** Writes {@code src.remaining()} bytes at guest {@code offset}. */
    CompletableFuture<Void> write(long offset, ByteBuffer src);

    /**
     * Makes the range read as zeroes. With {@code unmap} the storage may be released
     * (fallocate punch hole); without, it stays allocated where it was (zero range).
     */
    CompletableFuture<Void> writeZeroes(long offset, long length, boolean unmap);

    /** A hint that the range is no longer needed: its content afterwards is unspecified. */
    CompletableFuture<Void> discard(long offset, long length);

    /** Makes every completed write durable on the host. */
    CompletableFuture<Void> flush();

    /** The image this one reads through where it has no data of its own, or null. */
    default BlockImage backing() {
        return null;
    }

    /** Whether the range starting at {@code offset} holds data or reads as zeroes, and for how long. */
    BlockStatus blockStatus(long offset, long length) throws IOException;

    /** Flushes and releases the image; the image on disk is left clean. */
    @Override
    void close() throws IOException;
}
