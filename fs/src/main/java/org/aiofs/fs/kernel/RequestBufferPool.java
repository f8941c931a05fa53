package org.aiofs.fs.kernel;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.aiofs.aio.nativeio.Native;
import org.aiofs.aio.nativeio.SyscallNumbers;
import org.aiofs.aio.nativeio.Syscalls;

/**
 * Request buffers, each an anonymous mapping: its pages cost memory only once a request
 * touches them (a 4 KiB read uses the first two pages of a 1 MiB buffer). A buffer returns
 * to the pool once its reply is written, never before: the engine may still be using it.
 * Free buffers are reused last-in first-out, so the warm ones serve; the pool grows on
 * demand up to its limit, and a reader waits for a buffer beyond it.
 */
final class RequestBufferPool implements AutoCloseable {
    private static final long PROT_READ_WRITE = 0x3;
    private static final long MAP_PRIVATE_ANONYMOUS = 0x22;

    private final int bufferSize;
    private final int limit;
    private final ArrayDeque<RequestBuffer> free = new ArrayDeque<>();
    private final List<RequestBuffer> all = new ArrayList<>();

    /**
     * @param maxData the largest payload a request or reply carries (max_write, max_read)
     * @param limit   how many buffers may exist at once
     */
    RequestBufferPool(int maxData, int limit) {
        this.bufferSize = RequestBuffer.DATA_AT + maxData;
        this.limit = limit;
    }

    synchronized RequestBuffer acquire() throws IOException, InterruptedException {
        while (free.isEmpty() && all.size() >= limit) {
            wait();
        }
        return take();
    }

    /** A buffer if one is free or may be made, else null (never waits). */
    synchronized RequestBuffer tryAcquire() throws IOException {
        return free.isEmpty() && all.size() >= limit ? null : take();
    }

    private RequestBuffer take() throws IOException {
        RequestBuffer b = free.pollFirst();
        if (b != null) {
            return b;
        }
        long address = Syscalls.INSTANCE.syscall(SyscallNumbers.MMAP, 0, bufferSize, PROT_READ_WRITE,
                MAP_PRIVATE_ANONYMOUS, -1, 0);
        if (address == -1) {
            int errno = Native.errno();
            throw new IOException("cannot map a " + bufferSize + "-byte FUSE request buffer: " + Native.describe(errno));
        }
        b = new RequestBuffer(address, bufferSize);
        all.add(b);
        return b;
    }

    synchronized void release(RequestBuffer b) {
        free.addFirst(b);
        notify();
    }

    /** Buffers in existence (for info.json: the most requests that were in hand at once). */
    synchronized int allocated() {
        return all.size();
    }

    /** Unmaps every buffer; only once no request holds one. */
    @Override
    public synchronized void close() {
        for (RequestBuffer b : all) {
            Syscalls.INSTANCE.syscall(SyscallNumbers.MUNMAP, b.address(), b.size(), 0, 0, 0, 0);
        }
        all.clear();
        free.clear();
    }
}
