package org.aiofs.fs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import com.kenai.jffi.MemoryIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WaitingRequestsTest {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final int SIZE = 4096 + 4096;

    private final List<Long> addresses = new ArrayList<>();
    private final WaitingRequests waiting = new WaitingRequests();

    @AfterEach
    void free() {
        addresses.forEach(MEMORY::freeMemory);
    }

    /** A request header as the kernel writes it (no argument: the queue reads only the opcode). */
    private FuseRequest request(int opcode, long unique) {
        long address = MEMORY.allocateMemory(SIZE, true);
        addresses.add(address);
        RequestBuffer b = new RequestBuffer(address, SIZE);
        ByteBuffer m = b.memory();
        m.putInt(RequestBuffer.READ_AT, FuseRequest.IN_HEADER_SIZE);
        m.putInt(RequestBuffer.READ_AT + 4, opcode);
        m.putLong(RequestBuffer.READ_AT + 8, unique);
        return FuseRequest.decode(null, b, null, FuseRequest.IN_HEADER_SIZE);
    }

    private String order(long now) {
        StringBuilder served = new StringBuilder();
        for (FuseRequest r = waiting.next(now); r != null; r = waiting.next(now)) {
            served.append(FuseOpcode.name(r.opcode())).append(' ');
        }
        return served.toString().trim();
    }

    @Test
    void promptRequestsGoBeforeEarlierBulkOnesEachInTheOrderRead() {
        waiting.add(request(FuseOpcode.WRITE, 1), 0);
        waiting.add(request(FuseOpcode.FSYNC, 2), 0);
        waiting.add(request(FuseOpcode.READ, 3), 0);
        waiting.add(request(FuseOpcode.FALLOCATE, 4), 0);
        waiting.add(request(FuseOpcode.GETATTR, 5), 0);
        assertEquals("READ GETATTR WRITE FSYNC FALLOCATE", order(1000));
        assertEquals(2, waiting.servedAhead());
    }

    @Test
    void aBulkRequestIsPutOffForTwoMillisecondsAtMost() {
        waiting.add(request(FuseOpcode.WRITE, 1), 0);
        waiting.add(request(FuseOpcode.READ, 2), 10);
        waiting.add(request(FuseOpcode.READ, 3), 10);
        assertEquals("WRITE READ READ", order(WaitingRequests.MAX_POSTPONE_NANOS));
        assertEquals(0, waiting.servedAhead(), "no read went ahead of the write");
        assertNull(waiting.next(0));
    }
}
