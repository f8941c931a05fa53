package org.aiofs.image.vmdk;

import static org.aiofs.image.ReadBuffers.slice;
import static org.aiofs.image.ReadBuffers.zero;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;
import org.aiofs.image.BlockStatusWalk;
import org.aiofs.image.ImageException;
import org.aiofs.image.ParentReads;
import org.aiofs.image.vmdk.extent.CompressedGrain;
import org.aiofs.image.vmdk.extent.Extent;
import org.aiofs.image.vmdk.extent.ExtentRun;
import org.aiofs.image.vmdk.extent.FlatExtent;
import org.aiofs.image.vmdk.extent.LruCache;
import org.aiofs.image.vmdk.extent.SparseExtent;

/**
 * Serves guest reads across the extents: the range is mapped first (grain tables loaded on the
 * caller's thread), runs that are contiguous in one file on both sides are merged and sent to
 * the engine as one batch, zeroes are filled in place, unallocated runs go to the parent, and
 * compressed grains are read in the same batch and inflated when they arrive.
 */
final class VmdkReader {
    /** Inflated grains kept, so a filesystem's small reads inflate each grain once. */
    static final long INFLATED_BUDGET_BYTES = 8L << 20;

    private record GrainKey(Extent extent, long hostOffset) {
    }

    private final ExtentTable extents;
    private final IoEngine engine;
    private final BlockImage backing;
    private final LruCache<GrainKey, ByteBuffer> inflated = new LruCache<>(INFLATED_BUDGET_BYTES, ByteBuffer::capacity);

    VmdkReader(ExtentTable extents, IoEngine engine, BlockImage backing) {
        this.extents = extents;
        this.engine = engine;
        this.backing = backing;
    }

    CompletableFuture<Void> read(long offset, ByteBuffer dst) throws IOException {
        long end = offset + dst.remaining();
        List<IoRequest> batch = new ArrayList<>();
        List<LongConsumer> afterData = new ArrayList<>();
        List<CompletableFuture<?>> others = new ArrayList<>();
        HostFile runFile = null;
        long runGuest = -1;
        long runHost = -1;
        long runLength = 0;
        long pos = offset;
        while (pos < end) {
            PlacedExtent placed = extents.holding(pos);
            Extent extent = placed.extent();
            ExtentRun r = extent.map(pos - placed.start(), Math.min(end, placed.end()) - pos);
            if (r.kind() == ExtentRun.Kind.DATA && runLength > 0 && runFile == extent.file()
                    && runGuest + runLength == pos && runHost + runLength == r.hostOffset()) {
                runLength += r.length();
            } else {
                if (runLength > 0) {
                    addDataRead(batch, afterData, runFile, slice(dst, offset, runGuest, runLength), runHost);
                    runLength = 0;
                }
                switch (r.kind()) {
                    case DATA -> {
                        runFile = extent.file();
                        runGuest = pos;
                        runHost = r.hostOffset();
                        runLength = r.length();
                    }
                    case ZERO -> zero(slice(dst, offset, pos, r.length()));
                    case UNALLOCATED -> others.add(ParentReads.read(backing, pos,
                            slice(dst, offset, pos, r.length())));
                    case COMPRESSED -> addCompressedRead(batch, afterData, (SparseExtent) extent, r,
                            slice(dst, offset, pos, r.length()));
                }
            }
            pos += r.length();
        }
        if (runLength > 0) {
            addDataRead(batch, afterData, runFile, slice(dst, offset, runGuest, runLength), runHost);
        }
        if (!batch.isEmpty()) {
            List<CompletableFuture<Long>> results = engine.submitBatch(batch);
            for (int i = 0; i < results.size(); i++) {
                LongConsumer done = afterData.get(i);
                others.add(results.get(i).thenAccept(done::accept));
            }
        }
        return CompletableFuture.allOf(others.toArray(CompletableFuture[]::new));
    }

    /** One merged run; what lies past the end of the file reads as zeroes, as in QEMU. */
    private static void addDataRead(List<IoRequest> batch, List<LongConsumer> afterData, HostFile file,
            ByteBuffer target, long host) {
        batch.add(new IoRequest.Read(file, host, target));
        afterData.add(got -> {
            if (got < target.remaining()) {
                zero(target.duplicate().position(target.position() + (int) got));
            }
        });
    }

    private void addCompressedRead(List<IoRequest> batch, List<LongConsumer> afterData, SparseExtent extent,
            ExtentRun r, ByteBuffer target) throws ImageException {
        GrainKey key = new GrainKey(extent, r.hostOffset());
        ByteBuffer cached = inflated.get(key);
        if (cached != null) {
            copyOut(extent, r, cached, target);
            return;
        }
        // QEMU reads two grains; what lies past the end of the file stays zero
        ByteBuffer stored = ByteBuffer.allocateDirect(CompressedGrain.readLength(extent.layout()));
        stored.limit((int) Math.min(stored.capacity(), extent.fileSize() - r.hostOffset()));
        batch.add(new IoRequest.Read(extent.file(), r.hostOffset(), stored));
        afterData.add(got -> {
            try {
                ByteBuffer grain = CompressedGrain.inflate(extent.file().path().toString(), r.hostOffset(),
                        extent.layout(), stored.clear());
                copyOut(extent, r, inflated.putIfAbsent(key, grain), target);
            } catch (ImageException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** QEMU fails a read that reaches past what the grain inflated to (the last grain may be short). */
    private static void copyOut(SparseExtent extent, ExtentRun r, ByteBuffer grain, ByteBuffer target)
            throws ImageException {
        if (r.offsetInGrain() + r.length() > grain.limit()) {
            throw ImageException.corrupt(extent.file().path().toString(), "compressed grain at 0x"
                    + Long.toHexString(r.hostOffset()) + " inflates to " + grain.limit() + " bytes, fewer than the"
                    + " read needs (" + (r.offsetInGrain() + r.length()) + ")");
        }
        target.duplicate().put(grain.slice(r.offsetInGrain(), target.remaining()));
    }

    BlockStatus blockStatus(long offset, long length) throws IOException {
        return BlockStatusWalk.merge(offset, length, (pos, max) -> {
            PlacedExtent placed = extents.holding(pos);
            long inExtent = pos - placed.start();
            long most = Math.min(pos + max, placed.end()) - pos;
            ExtentRun r = placed.extent() instanceof FlatExtent flat ? flat.status(inExtent, most)
                    : placed.extent().map(inExtent, most);
            return switch (r.kind()) {
                case DATA, COMPRESSED -> new BlockStatus(BlockStatus.Kind.DATA, pos, r.length());
                case ZERO -> new BlockStatus(BlockStatus.Kind.ZERO, pos, r.length());
                default -> ParentReads.status(backing, pos, r.length());
            };
        });
    }
}
