package org.aiofs.fs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;

import com.kenai.jffi.MemoryIO;
import org.aiofs.aio.nativeio.Native;
import org.aiofs.aio.nativeio.OpenFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * INIT as a kernel with and without FUSE over io_uring on offer would send it: aiofs takes
 * flags2 bit 9 only when offered and when its rings are ready (no refusal), and says why not
 * otherwise; the cpulist of possible CPUs gives the number of queues. The reply is written to
 * /dev/null and read back from the request's buffer.
 */
class FuseUringNegotiationTest {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final int SIZE = 2 * 4096;
    private static final int INIT_IN_SIZE = 64;

    private long address;
    private RequestBuffer buffer;
    private FuseChannel sink;

    @BeforeEach
    void setUp() {
        address = MEMORY.allocateMemory(SIZE, true);
        buffer = new RequestBuffer(address, SIZE);
        int fd = Native.libc().open("/dev/null", OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC, 0);
        assertTrue(fd >= 0, "cannot open /dev/null");
        sink = FuseChannel.adopt(fd, "/dev/null");
    }

    @AfterEach
    void tearDown() {
        sink.close();
        MEMORY.freeMemory(address);
    }

    @Test
    void offeredAndReadyIsGranted() throws IOException {
        Connection c = InitNegotiation.answer(init(InitNegotiation.OVER_IO_URING), 256, 64, false, null);
        assertTrue(c.overIoUring());
        assertTrue(c.granted().contains("io_uring"), c.granted().toString());
        ByteBuffer out = buffer.data(64);
        assertEquals(1 << 9, out.getInt(32) & (1 << 9), "flags2 bit 9 (FUSE_OVER_IO_URING)");
        assertEquals(1 << 30, out.getInt(12) & (1 << 30), "INIT_EXT, so that flags2 is read");
    }

    @Test
    void notOfferedIsNotTakenAndTheReasonNamesTheParameter() throws IOException {
        Connection c = InitNegotiation.answer(init(0), 256, 64, false, null);
        assertFalse(c.overIoUring());
        assertEquals(0, buffer.data(64).getInt(32) & (1 << 9));
        assertTrue(c.refused().stream().anyMatch(r -> r.startsWith("io_uring") && r.contains("enable_uring")),
                c.refused().toString());
    }

    @Test
    void offeredButRefusedByAiofsIsLeftAlone() throws IOException {
        Connection c = InitNegotiation.answer(init(InitNegotiation.OVER_IO_URING), 256, 64, false, "--fuse-uring off");
        assertFalse(c.overIoUring());
        assertEquals(0, buffer.data(64).getInt(32) & (1 << 9));
        assertFalse(c.granted().contains("io_uring"));
    }

    @Test
    void queuesArePossibleCpus() {
        assertEquals(2, FuseUring.possibleCpus("0-1\n"));
        assertEquals(1, FuseUring.possibleCpus("0"));
        assertEquals(8, FuseUring.possibleCpus("0,2-3,7"));
        assertThrows(IllegalArgumentException.class, () -> FuseUring.possibleCpus(" \n"));
    }

    /** A FUSE 7.45 INIT request offering {@code flags} (flags2 in the upper half) besides the ordinary ones. */
    private FuseRequest init(long flags) {
        long offered = flags | InitNegotiation.ASYNC_READ | InitNegotiation.MAX_PAGES | InitNegotiation.INIT_EXT;
        ByteBuffer m = buffer.memory();
        int h = RequestBuffer.READ_AT;
        int length = FuseRequest.IN_HEADER_SIZE + INIT_IN_SIZE;
        for (int i = 0; i < length; i += 4) {
            m.putInt(h + i, 0);
        }
        m.putInt(h, length);
        m.putInt(h + 4, FuseOpcode.INIT);
        m.putLong(h + 8, 1); // unique
        int a = h + FuseRequest.IN_HEADER_SIZE;
        m.putInt(a, 7);
        m.putInt(a + 4, 45);
        m.putInt(a + 8, 128 << 10);
        m.putInt(a + 12, (int) offered);
        m.putInt(a + 16, (int) (offered >>> 32));
        return FuseRequest.decode(sink, buffer, r -> { }, length);
    }
}
