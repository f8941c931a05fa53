package org.aiofs.image.qcow2;

import java.io.IOException;
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
import org.aiofs.image.ImageException;

/**
 * Serves guest reads: the range is mapped first (metadata loaded on the caller's thread,
 * so no engine thread ever blocks on another request), then host data runs that are
 * contiguous on both sides are merged and sent to the engine as one batch; zero runs are
 * filled in place; backing runs go to the backing image; compressed clusters are read in
 * the same batch and inflated when they arrive.
 */
final class Qcow2Reader {
    private final String image;
    private final ClusterMap map;
    private final HostFile dataFile;
    private final boolean dataFileIsExternal;
    private final IoEngine engine;
    private final BlockImage backing;
    private final int clusterSize;
    private final int compressionType;
    private final long virtualSize;
    private final DecompressedClusterCache inflated;

    Qcow2Reader(String image, ClusterMap map, HostFile dataFile, boolean dataFileIsExternal, IoEngine engine,
            BlockImage backing, long virtualSize) {
        this.image = image;
        this.map = map;
        this.dataFile = dataFile;
        this.dataFileIsExternal = dataFileIsExternal;
        this.engine = engine;
        this.backing = backing;
        this.clusterSize = map.header().clusterSize();
        this.compressionType = map.header().compressionType();
        this.virtualSize = virtualSize;
        this.inflated = new DecompressedClusterCache(clusterSize);
    }

    CompletableFuture<Void> read(long offset, ByteBuffer dst) throws IOException {
        long end = offset + dst.remaining();
        List<IoRequest> batch = new ArrayList<>();
        List<LongConsumer> afterData = new ArrayList<>();
        List<CompletableFuture<?>> others = new ArrayList<>();
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
                    addDataRead(batch, afterData, slice(dst, offset, runGuest, runLength), runHost);
                    runLength = 0;
                }
                switch (m.kind()) {
                    case DATA -> {
                        runGuest = pos;
                        runHost = m.hostOffset();
                        runLength = m.length();
                    }
                    case ZERO -> fillZero(slice(dst, offset, pos, m.length()));
                    case BACKING -> others.add(readBacking(pos, slice(dst, offset, pos, m.length())));
                    case COMPRESSED -> addCompressedRead(batch, afterData, m, slice(dst, offset, pos, m.length()));
                }
            }
            pos = m.guestEnd();
        }
        if (runLength > 0) {
            addDataRead(batch, afterData, slice(dst, offset, runGuest, runLength), runHost);
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

    /** One merged host run; what lies past the end of the data file reads as zeroes. */
    private void addDataRead(List<IoRequest> batch, List<LongConsumer> afterData, ByteBuffer target, long host) {
        IoRequest.Read request = new IoRequest.Read(dataFile, host, target);
        batch.add(request);
        afterData.add(got -> {
            if (got < target.remaining()) { // the data file ends inside this run
                fillZero(target.duplicate().position(target.position() + (int) got));
            }
        });
    }

    private void addCompressedRead(List<IoRequest> batch, List<LongConsumer> afterData, Mapping m, ByteBuffer target)
            throws IOException {
        CompressedCluster c = m.compressed();
        long clusterStart = m.guestOffset() & ~((long) clusterSize - 1);
        int inCluster = (int) (m.guestOffset() - clusterStart);
        ByteBuffer cached = inflated.get(c.hostOffset());
        if (cached != null) {
            target.duplicate().put(cached.slice(inCluster, target.remaining()));
            return;
        }
        // the descriptor may count sectors past the end of the file: the read then comes back short
        ByteBuffer compressed = ByteBuffer.allocateDirect(c.compressedLength());
        batch.add(new IoRequest.Read(dataFile, c.hostOffset(), compressed));
        afterData.add(got -> {
            compressed.limit((int) got);
            // zstd-jni wants direct buffers; zlib is as fast on the heap and cheaper to allocate
            ByteBuffer cluster = compressionType == Qcow2Header.COMPRESSION_ZSTD
                    ? ByteBuffer.allocateDirect(clusterSize) : ByteBuffer.allocate(clusterSize);
            try {
                CompressedCluster.decompress(image, clusterStart, compressionType, compressed, cluster);
            } catch (ImageException e) {
                throw new java.io.UncheckedIOException(e);
            }
            inflated.put(c.hostOffset(), cluster);
            target.duplicate().put(cluster.slice(inCluster, target.remaining()));
        });
    }

    /** Reads from the backing image what it has; past its end (or without one) zeroes. */
    private CompletableFuture<Void> readBacking(long guestOffset, ByteBuffer target) {
        long backingSize = backing == null ? 0 : backing.size();
        long have = Math.max(0, Math.min(target.remaining(), backingSize - guestOffset));
        if (have < target.remaining()) {
            fillZero(target.duplicate().position(target.position() + (int) have));
        }
        if (have == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return backing.read(guestOffset, target.slice(target.position(), (int) have));
    }

    BlockStatus blockStatus(long offset, long length) throws IOException {
        long end = offset + length;
        // bounded walk: a long run is reported in pieces rather than scanning a whole huge disk
        long limit = Math.min(end, offset + (1L << 30));
        BlockStatus.Kind kind = null;
        long pos = offset;
        while (pos < limit) {
            Mapping m = map.lookup(pos, limit - pos);
            BlockStatus.Kind k;
            long len = m.length();
            if (m.kind() == Mapping.Kind.BACKING) {
                long backingSize = backing == null ? 0 : backing.size();
                if (pos >= backingSize) {
                    k = BlockStatus.Kind.ZERO;
                } else {
                    BlockStatus b = backing.blockStatus(pos, Math.min(len, backingSize - pos));
                    k = b.kind();
                    len = b.length();
                }
            } else {
                k = m.kind() == Mapping.Kind.ZERO ? BlockStatus.Kind.ZERO : BlockStatus.Kind.DATA;
            }
            if (kind == null) {
                kind = k;
            } else if (k != kind) {
                break;
            }
            pos += len;
        }
        return new BlockStatus(kind, offset, Math.min(pos, end) - offset);
    }

    private static ByteBuffer slice(ByteBuffer dst, long base, long guest, long length) {
        return dst.slice(dst.position() + (int) (guest - base), (int) length);
    }

    private static void fillZero(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        while (d.remaining() >= 8) {
            d.putLong(0);
        }
        while (d.hasRemaining()) {
            d.put((byte) 0);
        }
    }

    long virtualSize() {
        return virtualSize;
    }

    boolean externalData() {
        return dataFileIsExternal;
    }
}
