package org.aiofs.image.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;

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
        long got = Futures.await(engine.submit(new IoRequest.Read(file, offset, b)));
        if (got < length) {
            throw ImageException.corrupt(image, what + " at 0x" + Long.toHexString(offset)
                    + " lies beyond the end of the file (" + file.size() + " bytes)");
        }
        return b;
    }

    /** Reads up to {@code length} bytes; fewer only at the end of the file. */
    public ByteBuffer readUpTo(long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(length);
        long got = Futures.await(engine.submit(new IoRequest.Read(file, offset, b)));
        b.limit((int) got);
        return b;
    }

    public long[] readLongs(long offset, int count, String what) throws IOException {
        long[] out = new long[count];
        int chunk = 1 << 20;
        for (int done = 0; done < count; ) {
            int n = Math.min(chunk / 8, count - done);
            ByteBuffer b = read(offset + done * 8L, n * 8, what);
            for (int i = 0; i < n; i++) {
                out[done + i] = b.getLong(i * 8);
            }
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
