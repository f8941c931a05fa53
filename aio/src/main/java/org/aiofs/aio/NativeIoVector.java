package org.aiofs.aio;

import java.nio.ByteBuffer;

import com.kenai.jffi.MemoryIO;

/**
 * A preallocated native iovec array for one in-flight request of an asynchronous engine.
 * Buffers the kernel can use in place (direct, and aligned when the file is O_DIRECT) are
 * pointed at directly; heap buffers are bounced through the pool, and for O_DIRECT a
 * request with any misaligned buffer is bounced whole through one aligned buffer.
 * Reads copy bounced data back in {@link #finish}.
 */
public final class NativeIoVector {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final int IOVEC_SIZE = 16;

    private final int capacity;
    private final long fixedAddress;
    private long address;
    private int count;
    private long length;
    /** Bounced buffers: original[i] is served by bounce[i] (null when used in place). */
    private ByteBuffer[] originals;
    private ByteBuffer[] bounces;
    private ByteBuffer wholeBounce;

    public NativeIoVector(int capacity) {
        this.capacity = capacity;
        this.fixedAddress = MEMORY.allocateMemory((long) capacity * IOVEC_SIZE, true);
        this.bounces = new ByteBuffer[capacity];
    }

    /** Fills the iovecs; returns the number of entries (see {@link #address()}, {@link #length()}). */
    public int prepare(ByteBuffer[] buffers, boolean write, int alignment, BufferPool pool) {
        return prepare(buffers, write, alignment, pool, false);
    }

    /**
     * One buffer for the whole request, for interfaces without vectors (POSIX AIO): a single
     * usable buffer in place, anything else bounced through one pooled buffer.
     * Returns its address ({@link #length()} bytes).
     */
    public long prepareContiguous(ByteBuffer[] buffers, boolean write, int alignment, BufferPool pool) {
        prepare(buffers, write, alignment, pool, true);
        return firstAddress();
    }

    private int prepare(ByteBuffer[] buffers, boolean write, int alignment, BufferPool pool, boolean contiguous) {
        originals = buffers;
        wholeBounce = null;
        length = IoRequest.totalRemaining(buffers);
        if (buffers.length == 1 && buffers[0].isDirect()) { // the common case: one buffer, used in place
            long base = MEMORY.getDirectBufferAddress(buffers[0]) + buffers[0].position();
            if (alignment <= 1 || base % alignment == 0 && length % alignment == 0) {
                bounces[0] = null;
                address = fixedAddress;
                put(0, base, length);
                return count = 1;
            }
        }
        if (contiguous || alignment > 1 && !allAligned(buffers, alignment)) {
            wholeBounce = pool.acquire((int) length);
            if (write) {
                for (ByteBuffer b : buffers) {
                    wholeBounce.put(b.duplicate());
                }
                wholeBounce.flip();
            }
            address = fixedAddress;
            put(0, MEMORY.getDirectBufferAddress(wholeBounce), length);
            return count = 1;
        }
        address = buffers.length <= capacity ? fixedAddress
                : MEMORY.allocateMemory((long) buffers.length * IOVEC_SIZE, true); // cold: huge vectors
        if (bounces.length < buffers.length) {
            bounces = new ByteBuffer[buffers.length];
        }
        for (int i = 0; i < buffers.length; i++) {
            ByteBuffer b = buffers[i];
            long base;
            if (b.isDirect()) {
                bounces[i] = null;
                base = MEMORY.getDirectBufferAddress(b) + b.position();
            } else {
                ByteBuffer copy = pool.acquire(b.remaining());
                if (write) {
                    copy.put(b.duplicate()).flip();
                }
                bounces[i] = copy;
                base = MEMORY.getDirectBufferAddress(copy);
            }
            put(i, base, b.remaining());
        }
        return count = buffers.length;
    }

    /** After completion: copies read data back into bounced buffers and returns them to the pool. */
    public void finish(boolean read, long transferred, BufferPool pool) {
        if (wholeBounce != null) {
            if (read) {
                long left = transferred;
                int from = 0;
                for (ByteBuffer b : originals) {
                    int n = (int) Math.min(left, b.remaining());
                    if (n <= 0) {
                        break;
                    }
                    b.duplicate().put(wholeBounce.duplicate().position(from).limit(from + n));
                    from += n;
                    left -= n;
                }
            }
            pool.release(wholeBounce);
            wholeBounce = null;
        } else if (originals != null) {
            for (int i = 0; i < originals.length; i++) {
                ByteBuffer copy = bounces[i];
                if (copy != null) {
                    if (read) {
                        originals[i].duplicate().put(copy.duplicate().limit(originals[i].remaining()));
                    }
                    pool.release(copy);
                    bounces[i] = null;
                }
            }
            if (address != fixedAddress) {
                MEMORY.freeMemory(address);
            }
        }
        originals = null;
        address = fixedAddress;
    }

    public long address() {
        return address;
    }

    /** The address of the first (for one-entry vectors: the only) buffer. */
    public long firstAddress() {
        return MEMORY.getLong(address);
    }

    public int count() {
        return count;
    }

    public long length() {
        return length;
    }

    /** Frees the native array; the vector must not be used afterwards. */
    public void free() {
        MEMORY.freeMemory(fixedAddress);
    }

    private void put(int index, long base, long len) {
        MEMORY.putLong(address + (long) index * IOVEC_SIZE, base);
        MEMORY.putLong(address + (long) index * IOVEC_SIZE + 8, len);
    }

    private static boolean allAligned(ByteBuffer[] buffers, int alignment) {
        for (ByteBuffer b : buffers) {
            if (!b.isDirect() || (MEMORY.getDirectBufferAddress(b) + b.position()) % alignment != 0
                    || b.remaining() % alignment != 0) {
                return false;
            }
        }
        return true;
    }
}
