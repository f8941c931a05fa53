package org.aiofs.fs.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.kenai.jffi.MemoryIO;

/**
 * Memory for one request and its reply, used in place by the engine (zero copy). The first
 * page is header room: a request is read at {@link #READ_AT}, so that the data of a WRITE
 * (after its 40-byte header and 40-byte write_in) starts page-aligned at {@link #DATA_AT},
 * where an O_DIRECT engine can use it as is. A reply's payload is put at {@link #DATA_AT}
 * (READ data lands there straight from the engine) and its 16-byte header just before, so
 * every reply is one write(2).
 */
final class RequestBuffer {
    static final int DATA_AT = 4096;
    static final int READ_AT = DATA_AT - 80;
    static final int OUT_HEADER_SIZE = 16;

    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private final long address;
    private final int size;
    private final ByteBuffer memory;

    RequestBuffer(long address, int size) {
        this.address = address;
        this.size = size;
        this.memory = MEMORY.newDirectByteBuffer(address, size).order(ByteOrder.nativeOrder());
    }

    long address() {
        return address;
    }

    int size() {
        return size;
    }

    /** Where the next request is read, and how much room it has. */
    long readAddress() {
        return address + READ_AT;
    }

    int readCapacity() {
        return size - READ_AT;
    }

    /** The whole buffer, native byte order; absolute gets and puts only (it is shared). */
    ByteBuffer memory() {
        return memory;
    }

    /** Room for a reply payload (or READ data): [DATA_AT, DATA_AT + length). */
    ByteBuffer data(int length) {
        return memory.slice(DATA_AT, length).order(ByteOrder.nativeOrder());
    }

    /** Bytes the reply payload may take. */
    int dataCapacity() {
        return size - DATA_AT;
    }

    /** The reply header goes right before the payload. */
    long replyAddress() {
        return address + DATA_AT - OUT_HEADER_SIZE;
    }
}
