package org.aiofs.image.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.image.ImageException;

/**
 * Synchronous reads of image metadata (header, tables) through the engine. Callers bound
 * {@code length} before asking; a read that comes back short means the file ends early.
 */
public final class MetadataReader {
    /** Reads decoded at once go through one direct buffer per thread up to this size. */
    private static final int SCRATCH_MAX = 2 << 20;
    /**
     * A table read only to be decoded into the heap needs its direct buffer for a moment: a fresh
     * one per read (an L2 table per cache miss under random writes) left native memory to the
     * garbage collector, hundreds of MiB of it between collections.
     */
    private static final ThreadLocal<ByteBuffer> SCRATCH = new ThreadLocal<>();

    private final HostFile file;
    private final IoEngine engine;
    private final String image;

    public MetadataReader(HostFile file, IoEngine engine, String image) {
        this.file = file;
        this.engine = engine;
        this.image = image;
    }

    public ByteBuffer read(long offset, int length, String what) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(length);
        checkWhole(Futures.await(submit(offset, b)), offset, length, what);
        return b;
    }

    /**
     * Reads {@code length} bytes into a buffer of this thread's and returns what {@code decode}
     * makes of them; the buffer is reused, so {@code decode} must copy what it keeps.
     */
    public <T> T readDecoded(long offset, int length, String what, Function<ByteBuffer, T> decode)
            throws IOException {
        if (length > SCRATCH_MAX) {
            return decode.apply(read(offset, length, what));
        }
        ByteBuffer scratch = SCRATCH.get();
        if (scratch == null || scratch.capacity() < length) {
            scratch = ByteBuffer.allocateDirect(length);
        }
        SCRATCH.set(null);   // a decode that reads metadata itself gets a buffer of its own
        ByteBuffer b = scratch.clear().limit(length).slice();
        CompletableFuture<Long> done = submit(offset, b);
        try {
            checkWhole(Futures.await(done), offset, length, what);
            return decode.apply(b);
        } finally {
            if (done.isDone()) {   // an interrupted wait leaves the buffer to the read still in flight
                SCRATCH.set(scratch);
            }
        }
    }

    private CompletableFuture<Long> submit(long offset, ByteBuffer b) {
        return engine.submit(new IoRequest.Read(file, offset, b));
    }

    private void checkWhole(long got, long offset, int length, String what) throws IOException {
        if (got < length) {
            throw ImageException.corrupt(image, what + " at 0x" + Long.toHexString(offset)
                    + " lies beyond the end of the file (" + file.size() + " bytes)");
        }
    }

    /** Reads up to {@code length} bytes; fewer only at the end of the file. */
    public ByteBuffer readUpTo(long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(length);
        b.limit(Futures.await(submit(offset, b)).intValue());
        return b;
    }

    public long[] readLongs(long offset, int count, String what) throws IOException {
        long[] out = new long[count];
        int chunk = 1 << 20;
        for (int done = 0; done < count; ) {
            int n = Math.min(chunk / 8, count - done);
            int at = done;
            readDecoded(offset + done * 8L, n * 8, what, b -> {
                for (int i = 0; i < n; i++) {
                    out[at + i] = b.getLong(i * 8);
                }
                return out;
            });
            done += n;
        }
        return out;
    }

    public HostFile file() {
        return file;
    }

    public String image() {
        return image;
    }
}
