package org.aiofs.image.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;

/**
 * The feature bits a writer changes in the header of a version 3 image (incompatible at
 * byte 72, autoclear at 88), each change written and flushed before the writer goes on.
 * Version 2 headers have no such fields: nothing is written there.
 */
final class HeaderFlags {
    private static final long INCOMPATIBLE_AT = 72;
    private static final long AUTOCLEAR_AT = 88;

    private final HostFile file;
    private final IoEngine engine;
    private final boolean v3;
    private final long autoclear;
    private long incompatible;

    HeaderFlags(HostFile file, IoEngine engine, Qcow2Header header) {
        this.file = file;
        this.engine = engine;
        this.v3 = header.version() >= 3;
        this.autoclear = header.autoclearFeatures();
        this.incompatible = header.incompatibleFeatures();
    }

    /**
     * A writable open: autoclear bits this writer does not maintain are cleared (all but
     * "raw external data"; QEMU's rule for bits a program does not keep up to date), and
     * the dirty bit is set when the image uses lazy refcounts.
     */
    synchronized void openForWriting(boolean lazyRefcounts) throws IOException {
        if (!v3) {
            return;
        }
        List<IoRequest> batch = new ArrayList<>();
        long kept = autoclear & Qcow2Header.AUTOCLEAR_DATA_FILE_RAW;
        if (kept != autoclear) {
            batch.add(write(AUTOCLEAR_AT, kept));
        }
        if (lazyRefcounts) {
            incompatible |= Qcow2Header.INCOMPAT_DIRTY;
            batch.add(write(INCOMPATIBLE_AT, incompatible));
        }
        if (!batch.isEmpty()) {
            batch.add(new IoRequest.Barrier());
            batch.add(new IoRequest.Flush(file, true));
            awaitAll(batch);
        }
    }

    synchronized void markCorrupt() throws IOException {
        if (v3) {
            incompatible |= Qcow2Header.INCOMPAT_CORRUPT;
            awaitAll(List.of(write(INCOMPATIBLE_AT, incompatible), new IoRequest.Barrier(),
                    new IoRequest.Flush(file, true)));
        }
    }

    /** After everything else is durable: the image is clean again. */
    synchronized void clearDirty() throws IOException {
        if (v3 && (incompatible & Qcow2Header.INCOMPAT_DIRTY) != 0) {
            incompatible &= ~Qcow2Header.INCOMPAT_DIRTY;
            awaitAll(List.of(write(INCOMPATIBLE_AT, incompatible), new IoRequest.Barrier(),
                    new IoRequest.Flush(file, false)));
        }
    }

    private IoRequest.Write write(long at, long value) {
        return new IoRequest.Write(file, at, ByteBuffer.allocateDirect(8).putLong(0, value));
    }

    private void awaitAll(List<IoRequest> batch) throws IOException {
        Futures.awaitAll(engine.submitBatch(batch));
    }
}
