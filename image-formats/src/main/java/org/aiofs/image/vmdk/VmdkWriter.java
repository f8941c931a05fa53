package org.aiofs.image.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageException;
import org.aiofs.image.ParentReads;
import org.aiofs.image.vmdk.descriptor.CidRewrite;
import org.aiofs.image.vmdk.descriptor.DescriptorText;
import org.aiofs.image.vmdk.extent.Extent;
import org.aiofs.image.vmdk.extent.FlatExtent;
import org.aiofs.image.vmdk.extent.GrainSource;
import org.aiofs.image.vmdk.extent.SparseExtent;
import org.aiofs.image.vmdk.extent.SparseExtentWriter;

/**
 * Writes to a VMDK disk whose extents are flat or VMDK4 sparse ones. Writes are serialised
 * (as in QEMU, one lock per disk); reads go on beside them and see a new grain only once it
 * is linked on disk. Each write is durable in the crash-safe order of {@link SparseExtentWriter}
 * when it allocates; writes in place become durable at {@link #flush}. Before the first write
 * the descriptor gets a new CID, so children made from the old content refuse the new one.
 */
final class VmdkWriter {
    private final String name;
    private final ExtentTable extents;
    private final IoEngine engine;
    private final BlockImage parent;
    private final Map<SparseExtent, SparseExtentWriter> sparse = new IdentityHashMap<>();
    private final HostFile descriptorFile;
    private final long descriptorOffset;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean cidChanged;

    private VmdkWriter(String name, ExtentTable extents, IoEngine engine, BlockImage parent, HostFile descriptorFile,
            long descriptorOffset) {
        this.name = name;
        this.extents = extents;
        this.engine = engine;
        this.parent = parent;
        this.descriptorFile = descriptorFile;
        this.descriptorOffset = descriptorOffset;
    }

    /**
     * A writer for the disk, or an EROFS refusal naming the extent that is never written.
     *
     * @param descriptorFile   the file holding the descriptor (its CID is changed on the first write)
     * @param descriptorOffset where the descriptor starts in it
     */
    static VmdkWriter open(String name, ExtentTable extents, IoEngine engine, BlockImage parent,
            HostFile descriptorFile, long descriptorOffset) throws IOException {
        VmdkWriter writer = new VmdkWriter(name, extents, engine, parent, descriptorFile, descriptorOffset);
        for (PlacedExtent placed : extents.all()) {
            if (placed.extent() instanceof SparseExtent s && !writer.sparse.containsKey(s)) {
                writer.sparse.put(s, SparseExtentWriter.open(s, engine));
            }
        }
        return writer;
    }

    CompletableFuture<Void> write(long offset, ByteBuffer src) {
        return locked(() -> apply(offset, src.remaining(), (placed, at, length, io) -> {
            ByteBuffer piece = src.slice(src.position() + (int) (placed.start() + at - offset), (int) length);
            if (placed.extent() instanceof FlatExtent flat) {
                io.add(new IoRequest.Write(flat.file(), flat.start() + at, piece));
                return null;
            }
            return writerOf(placed).prepareWrite(at, piece, parentSource(placed), io);
        }));
    }

    CompletableFuture<Void> writeZeroes(long offset, long length) {
        return locked(() -> apply(offset, length, (placed, at, n, io) -> {
            if (placed.extent() instanceof FlatExtent flat) {
                io.add(new IoRequest.ZeroRange(flat.file(), flat.start() + at, n));
                return null;
            }
            long guest = placed.start() + at;
            boolean parentHasData = parent != null && guest < parent.size();
            return writerOf(placed).prepareZeroes(at, n, parentHasData, parentSource(placed), io);
        }));
    }

    /** Makes every completed write durable: each file of the disk is flushed. */
    CompletableFuture<Void> flush() {
        return locked(() -> {
            Set<HostFile> files = new LinkedHashSet<>();
            files.add(descriptorFile);
            for (PlacedExtent p : extents.all()) {
                files.add(p.extent().file());
            }
            List<CompletableFuture<Long>> done = new ArrayList<>();
            for (HostFile f : files) {
                done.add(engine.submit(new IoRequest.Flush(f, false)));
            }
            for (CompletableFuture<Long> f : done) {
                Futures.await(f);
            }
        });
    }

    /** One extent's share of a request: the I/O to submit, and the link to make afterwards (or null). */
    @FunctionalInterface
    private interface Piece {
        SparseExtentWriter.Link plan(PlacedExtent placed, long offsetInExtent, long length, List<IoRequest> io)
                throws IOException;
    }

    @FunctionalInterface
    private interface Step {
        void run() throws IOException;
    }

    private CompletableFuture<Void> locked(Step step) {
        lock.lock();
        try {
            step.run();
            return CompletableFuture.completedFuture(null);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Splits [offset, offset + length) into pieces (one per grain of a sparse extent, one per
     * flat extent), submits their data, and once it is durable makes the links of new grains.
     */
    private void apply(long offset, long length, Piece piece) throws IOException {
        if (length == 0) {
            return;
        }
        changeCidOnce();
        List<IoRequest> io = new ArrayList<>();
        Map<SparseExtentWriter, List<SparseExtentWriter.Link>> links = new LinkedHashMap<>();
        long end = offset + length;
        long pos = offset;
        while (pos < end) {
            PlacedExtent placed = extents.holding(pos);
            Extent extent = placed.extent();
            long at = pos - placed.start();
            long n = Math.min(end, placed.end()) - pos;
            if (extent.grainBytes() > 0) {
                n = Math.min(n, extent.grainBytes() - at % extent.grainBytes());
            }
            SparseExtentWriter.Link link = piece.plan(placed, at, n, io);
            if (link != null) {
                links.computeIfAbsent(writerOf(placed), k -> new ArrayList<>()).add(link);
            }
            pos += n;
        }
        for (CompletableFuture<Long> f : engine.submitBatch(io)) {
            Futures.await(f);
        }
        for (SparseExtentWriter w : links.keySet()) {
            // the new grains must be durable before anything links them
            Futures.await(engine.submit(new IoRequest.Flush(w.extent().file(), true)));
        }
        for (Map.Entry<SparseExtentWriter, List<SparseExtentWriter.Link>> e : links.entrySet()) {
            e.getKey().commit(e.getValue());
        }
    }

    private SparseExtentWriter writerOf(PlacedExtent placed) {
        return sparse.get((SparseExtent) placed.extent());
    }

    /** A new grain's bytes beyond the guest's write: the parent's, zeroes past its end or without one. */
    private GrainSource parentSource(PlacedExtent placed) {
        return (offsetInExtent, target) -> Futures.await(ParentReads.read(parent, placed.start() + offsetInExtent,
                target));
    }

    /** A new CID, durable before the first change to the disk. */
    private void changeCidOnce() throws IOException {
        if (cidChanged) {
            return;
        }
        ByteBuffer window = ByteBuffer.allocateDirect(DescriptorText.ID_WINDOW_BYTES);
        long got = Futures.await(engine.submit(new IoRequest.Read(descriptorFile, descriptorOffset, window)));
        window.limit((int) got);
        CidRewrite rewrite = CidRewrite.of(DescriptorText.decode(window), new SecureRandom());
        if (rewrite == null) {
            throw ImageException.corrupt(name, "the descriptor has no CID to change before writing");
        }
        Futures.await(engine.submit(new IoRequest.Write(descriptorFile, descriptorOffset + rewrite.offset(),
                ByteBuffer.wrap(rewrite.digits()))));
        Futures.await(engine.submit(new IoRequest.Flush(descriptorFile, true)));
        cidChanged = true;
    }
}
