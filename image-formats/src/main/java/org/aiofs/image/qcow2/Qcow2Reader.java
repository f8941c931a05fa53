package org.aiofs.image.qcow2;

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

/**
 * Serves guest reads in two steps. {@link #plan} maps the range (metadata loaded on the
 * caller's thread, so no engine thread ever blocks on another request): host data runs
 * that are contiguous on both sides are merged, zero runs filled in place, inflated
 * clusters found in the cache copied. {@link #run} then sends the host reads to the
 * engine as one batch (compressed clusters are inflated when they arrive) and reads the
 * backing image. A writable image plans under its metadata lock and runs outside it.
 */
final class Qcow2Reader {
    private final String image;
    private final ClusterMap map;
    private final HostFile dataFile;
    private final boolean dataFileIsExternal;
    private final IoEngine engine;
    private final BlockImage backing;
    private final ClusterGeometry geometry;
    private final int compressionType;
    private final long virtualSize;
    private final InflatedClusters inflated;

    Qcow2Reader(String image, ClusterMap map, HostFile dataFile, boolean dataFileIsExternal, IoEngine engine,
            BlockImage backing, long virtualSize, InflatedClusters inflated) {
        this.image = image;
        this.map = map;
        this.dataFile = dataFile;
        this.dataFileIsExternal = dataFileIsExternal;
        this.engine = engine;
        this.backing = backing;
        this.geometry = map.geometry();
        this.compressionType = map.header().compressionType();
        this.virtualSize = virtualSize;
        this.inflated = inflated;
    }

    /** Whether a part of the disk this image does not map reads from a backing image (else as zeroes). */
    boolean hasBacking() {
        return backing != null;
    }

    /**
     * Whether what the backing image shows under [offset, offset + length) of this disk reads
     * as zeroes (a hole, zero clusters, its end; everywhere without one). May read its tables.
     */
    boolean backingReadsZeroes(long offset, long length) throws IOException {
        long to = Math.min(offset + length, virtualSize);
        if (to <= offset) {
            return true;
        }
        BlockStatus s = ParentReads.status(backing, offset, to - offset);
        return s.kind() == BlockStatus.Kind.ZERO && s.offset() + s.length() >= to;
    }

    /** The I/O of one read, mapped: host requests (with what to do when each completes) and backing reads. */
    static final class Plan {
        private final List<IoRequest> batch = new ArrayList<>();
        private final List<LongConsumer> afterData = new ArrayList<>();
        private final List<Long> backingOffsets = new ArrayList<>();
        private final List<ByteBuffer> backingTargets = new ArrayList<>();
    }

    /** Reads [offset, offset + dst.remaining()) of the disk into {@code dst}: plan, then run. */
    CompletableFuture<Void> read(long offset, ByteBuffer dst) throws IOException {
        return run(plan(offset, dst));
    }

    Plan plan(long offset, ByteBuffer dst) throws IOException {
        Plan plan = new Plan();
        long end = offset + dst.remaining();
        long runGuest = -1;
        long runHost = -1;
        long runLength = 0;
        long pos = offset;
        while (pos < end) {
            Mapping m = map.lookup(pos, end - pos);
            if (m.kind() == Mapping.Kind.DATA && runLength > 0 && runGuest + runLength == pos
                    && runHost + runLength == m.hostOffset()) {
                runLength += m.length();
            } else {
                if (runLength > 0) {
                    addDataRead(plan, slice(dst, offset, runGuest, runLength), runHost);
                    runLength = 0;
                }
                switch (m.kind()) {
                    case DATA -> {
                        runGuest = pos;
                        runHost = m.hostOffset();
                        runLength = m.length();
                    }
                    case ZERO -> zero(slice(dst, offset, pos, m.length()));
                    case BACKING -> planBacking(plan, pos, slice(dst, offset, pos, m.length()));
                    case COMPRESSED -> addCompressedRead(plan, m, slice(dst, offset, pos, m.length()));
                }
            }
            pos = m.guestEnd();
        }
        if (runLength > 0) {
            addDataRead(plan, slice(dst, offset, runGuest, runLength), runHost);
        }
        return plan;
    }

    /** Sends a planned read's I/O; completes once every byte of it is in place. */
    CompletableFuture<Void> run(Plan plan) {
        List<CompletableFuture<?>> parts = new ArrayList<>();
        if (!plan.batch.isEmpty()) {
            List<CompletableFuture<Long>> results = engine.submitBatch(plan.batch);
            for (int i = 0; i < results.size(); i++) {
                LongConsumer done = plan.afterData.get(i);
                parts.add(results.get(i).thenAccept(done::accept));
            }
        }
        for (int i = 0; i < plan.backingOffsets.size(); i++) {
            parts.add(backing.read(plan.backingOffsets.get(i), plan.backingTargets.get(i)));
        }
        if (parts.size() == 1) {
            return parts.get(0).thenApply(x -> null);
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
    }

    /** One merged host run; what lies past the end of the data file reads as zeroes. */
    private void addDataRead(Plan plan, ByteBuffer target, long host) {
        plan.batch.add(new IoRequest.Read(dataFile, host, target));
        plan.afterData.add(got -> {
            if (got < target.remaining()) { // the data file ends inside this run
                zero(target.duplicate().position(target.position() + (int) got));
            }
        });
    }

    private void addCompressedRead(Plan plan, Mapping m, ByteBuffer target) {
        CompressedCluster c = m.compressed();
        long clusterStart = geometry.clusterStart(m.guestOffset());
        int inCluster = geometry.inCluster(m.guestOffset());
        if (inflated.copy(c.hostOffset(), inCluster, target)) {
            return;
        }
        // the descriptor may count sectors past the end of the file: the read then comes back short
        ByteBuffer compressed = ByteBuffer.allocateDirect(c.compressedLength());
        plan.batch.add(new IoRequest.Read(dataFile, c.hostOffset(), compressed));
        plan.afterData.add(got -> {
            compressed.limit((int) got);
            // zstd-jni wants direct buffers; zlib is as fast on the heap and cheaper to allocate
            ByteBuffer cluster = compressionType == Qcow2Header.COMPRESSION_ZSTD
                    ? ByteBuffer.allocateDirect(geometry.clusterSize()) : ByteBuffer.allocate(geometry.clusterSize());
            try {
                CompressedCluster.decompress(image, clusterStart, compressionType, compressed, cluster);
            } catch (ImageException e) {
                throw new UncheckedIOException(e);
            }
            inflated.put(c.hostOffset(), cluster);
            target.duplicate().put(cluster.slice(inCluster, target.remaining()));
        });
    }

    /** What the backing image has is read from it; past its end (or without one) zeroes. */
    private void planBacking(Plan plan, long guestOffset, ByteBuffer target) {
        long backingSize = backing == null ? 0 : backing.size();
        long have = Math.max(0, Math.min(target.remaining(), backingSize - guestOffset));
        if (have < target.remaining()) {
            zero(target.duplicate().position(target.position() + (int) have));
        }
        if (have > 0) {
            plan.backingOffsets.add(guestOffset);
            plan.backingTargets.add(target.slice(target.position(), (int) have));
        }
    }

    BlockStatus blockStatus(long offset, long length) throws IOException {
        return BlockStatusWalk.merge(offset, length, (pos, max) -> {
            Mapping m = map.lookup(pos, max);
            return switch (m.kind()) {
                case BACKING -> ParentReads.status(backing, pos, m.length());
                case ZERO -> new BlockStatus(BlockStatus.Kind.ZERO, pos, m.length());
                default -> new BlockStatus(BlockStatus.Kind.DATA, pos, m.length());
            };
        });
    }

    long virtualSize() {
        return virtualSize;
    }

    boolean externalData() {
        return dataFileIsExternal;
    }
}
