package org.aiofs.aio;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Direct buffers aligned for O_DIRECT, reused instead of allocated per request.
 * Buffers up to {@link #bufferSize()} come from the pool; larger ones are allocated
 * once and dropped on release (a cold path: big vectored requests are rare).
 */
public final class BufferPool {
    private final int bufferSize;
    private final int alignment;
    private final int maxPooled;
    private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pooled = new AtomicInteger();

    public BufferPool(int bufferSize, int alignment, int maxPooled) {
        if (Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, not " + alignment);
        }
        this.bufferSize = roundUp(bufferSize, alignment);
        this.alignment = alignment;
        this.maxPooled = maxPooled;
    }

    public int bufferSize() {
        return bufferSize;
    }

    public int alignment() {
        return alignment;
    }

    /** An aligned direct buffer with position 0 and limit {@code size}. */
    public ByteBuffer acquire(int size) {
        if (size > bufferSize) {
            return allocate(size, alignment).limit(size);
        }
        ByteBuffer b = free.poll();
        if (b != null) {
            pooled.decrementAndGet();
        } else {
            b = allocate(bufferSize, alignment);
        }
        return b.clear().limit(size);
    }

    public void release(ByteBuffer buffer) {
        if (buffer.capacity() == bufferSize && pooled.incrementAndGet() <= maxPooled) {
            free.add(buffer);
        } else if (buffer.capacity() == bufferSize) {
            pooled.decrementAndGet();
        }
    }

    /** A direct buffer whose address and capacity are multiples of {@code alignment}. */
    public static ByteBuffer allocate(int size, int alignment) {
        int capacity = roundUp(Math.max(size, 1), alignment);
        return ByteBuffer.allocateDirect(capacity + alignment).alignedSlice(alignment).limit(capacity).slice();
    }

    static int roundUp(int value, int alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }
}
