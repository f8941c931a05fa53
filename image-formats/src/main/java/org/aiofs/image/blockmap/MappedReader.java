package org.aiofs.image.blockmap;

import static org.aiofs.image.ReadBuffers.slice;
import static org.aiofs.image.ReadBuffers.zero;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;
import org.aiofs.image.BlockStatusWalk;
import org.aiofs.image.ParentReads;

/**
 * Serves guest reads through a {@link GuestMap}: the range is mapped first (on the caller's
 * thread), host runs that are contiguous on both sides are merged and sent to the engine as
 * one batch, zero runs are filled in place and backing runs go to the backing image (past
 * its end they read as zeroes).
 */
public final class MappedReader {
    private final GuestMap map;
    private final HostFile file;
    private final IoEngine engine;
    private final BlockImage backing;

    public MappedReader(GuestMap map, HostFile file, IoEngine engine, BlockImage backing) {
        this.map = map;
        this.file = file;
        this.engine = engine;
        this.backing = backing;
    }

    /** Fills {@code dst} (position to limit) with the guest bytes at {@code offset}. */
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) throws IOException {
        long end = offset + dst.remaining();
        List<IoRequest> batch = new ArrayList<>();
        List<ByteBuffer> targets = new ArrayList<>();
        List<CompletableFuture<?>> others = new ArrayList<>();
        long runGuest = -1;
        long runHost = -1;
        long runLength = 0;
        for (long pos = offset; pos < end; ) {
            GuestRun r = map.lookup(pos, end - pos);
            if (r.kind() == GuestRun.Kind.DATA && runLength > 0 && runGuest + runLength == pos
                    && runHost + runLength == r.hostOffset()) {
                runLength += r.length();
            } else {
                if (runLength > 0) {
                    addDataRead(batch, targets, slice(dst, offset, runGuest, runLength), runHost);
                    runLength = 0;
                }
                switch (r.kind()) {
                    case DATA -> {
                        runGuest = pos;
                        runHost = r.hostOffset();
                        runLength = r.length();
                    }
                    case ZERO -> zero(slice(dst, offset, pos, r.length()));
                    case BACKING -> others.add(ParentReads.read(backing, pos, slice(dst, offset, pos, r.length())));
                }
            }
            pos += r.length();
        }
        if (runLength > 0) {
            addDataRead(batch, targets, slice(dst, offset, runGuest, runLength), runHost);
        }
        if (!batch.isEmpty()) {
            List<CompletableFuture<Long>> results = engine.submitBatch(batch);
            for (int i = 0; i < results.size(); i++) {
                ByteBuffer target = targets.get(i);
                others.add(results.get(i).thenAccept(got -> {
                    if (got < target.remaining()) { // the file ends inside this run: the rest reads as zeroes
                        zero(target.duplicate().position(target.position() + got.intValue()));
                    }
                }));
            }
        }
        return CompletableFuture.allOf(others.toArray(CompletableFuture[]::new));
    }

    private void addDataRead(List<IoRequest> batch, List<ByteBuffer> targets, ByteBuffer target, long host) {
        batch.add(new IoRequest.Read(file, host, target));
        targets.add(target);
    }

    /** Whether the range starting at {@code offset} holds data or reads as zeroes, and for how long. */
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        return BlockStatusWalk.merge(offset, length, (pos, max) -> {
            GuestRun r = map.lookup(pos, max);
            return switch (r.kind()) {
                case BACKING -> ParentReads.status(backing, pos, r.length());
                case ZERO -> new BlockStatus(BlockStatus.Kind.ZERO, pos, r.length());
                default -> new BlockStatus(BlockStatus.Kind.DATA, pos, r.length());
            };
        });
    }
}
