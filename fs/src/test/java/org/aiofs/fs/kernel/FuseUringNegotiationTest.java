package org.aiofs.fs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/**
 * INIT as a kernel with and without FUSE over io_uring on offer would send it: aiofs takes
 * flags2 bit 9 only when offered and when its rings are ready (no refusal), and says why not
 * otherwise; the cpulist of possible CPUs gives the number of queues. The reply is written to
 * /dev/null and read back from the request's buffer.
 */
class FuseUringNegotiationTest extends InitRequestFixture {
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
}
