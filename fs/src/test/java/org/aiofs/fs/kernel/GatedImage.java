package org.aiofs.fs.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;

/**
 * An image whose reads wait at a gate: each read is recorded and completes only when the
 * test opens the gate, so a test sees how many requests reach the image at once. A read
 * byte is the low byte of (offset / 512 + 1), so what arrives can be checked. A writable
 * one takes writes at once and forgets them (reads still give the pattern).
 */
final class GatedImage implements BlockImage {
    private final long size;
    private final List<Runnable> waiting = new ArrayList<>();
    private final boolean writable;
    private boolean open = true;

    GatedImage(long size) {
        this(size, false);
    }

    GatedImage(long size, boolean writable) {
        this.size = size;
        this.writable = writable;
    }

    /** From now on reads wait until {@link #openGate}. */
    synchronized void closeGate() {
        open = false;
    }

    static byte expected(long offset) {
        return (byte) (offset / 512 + 1);
    }

    /** Waits until at least {@code count} reads wait at the gate together; false after the timeout. */
    synchronized boolean awaitWaiting(int count, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (waiting.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    synchronized int waitingNow() {
        return waiting.size();
    }

    /** Completes every waiting read, and lets later ones through at once. */
    void openGate() {
        List<Runnable> release;
        synchronized (this) {
            open = true;
            release = new ArrayList<>(waiting);
            waiting.clear();
        }
        release.forEach(Runnable::run);
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable complete = () -> {
            ByteBuffer d = dst.duplicate();
            for (int i = 0; d.hasRemaining(); i++) {
                d.put(expected(offset + i));
            }
            done.complete(null);
        };
        synchronized (this) {
            if (!open) {
                waiting.add(complete);
                notifyAll();
                return done;
            }
        }
        complete.run();
        return done;
    }

    @Override
    public String name() {
        return "gated";
    }

    @Override
    public String format() {
        return "raw";
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return !writable;
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src) {
        return writable ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(new IOException("read-only"));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean unmap) {
        return write(offset, null);
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return write(offset, null);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) {
        return new BlockStatus(BlockStatus.Kind.DATA, offset, length);
    }

    @Override
    public void close() {
        openGate();
    }
}
