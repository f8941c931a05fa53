package org.aiofs.fs.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import com.kenai.jffi.MemoryIO;
import org.aiofs.aio.nativeio.Native;
import org.aiofs.aio.nativeio.OpenFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What INIT negotiation tests share: a request buffer holding an INIT request as the kernel
 * sends it, and /dev/null as the channel the reply is written to (read back from the buffer).
 */
abstract class InitRequestFixture {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final int SIZE = 2 * 4096;
    private static final int INIT_IN_SIZE = 64;

    private long address;
    protected RequestBuffer buffer;
    protected FuseChannel sink;

    @BeforeEach
    void openSink() {
        address = MEMORY.allocateMemory(SIZE, true);
        buffer = new RequestBuffer(address, SIZE);
        int fd = Native.libc().open("/dev/null", OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC, 0);
        assertTrue(fd >= 0, "cannot open /dev/null");
        sink = FuseChannel.adopt(fd, "/dev/null");
    }

    @AfterEach
    void closeSink() {
        sink.close();
        MEMORY.freeMemory(address);
    }

    /** A FUSE 7.45 INIT request offering {@code flags} (flags2 in the upper half) besides the ordinary ones. */
    protected FuseRequest init(long flags) {
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
