package org.aiofs.fs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * INIT as a kernel with and without FUSE passthrough would send it: aiofs asks for
 * passthrough (flags2 bit 5, max_stack_depth) only when it has a file to pass through, takes
 * it only when offered, and says why not otherwise. The reply is written to /dev/null and
 * read back from the request's buffer.
 */
class PassthroughNegotiationTest extends InitRequestFixture {
    @Test
    void offeredAndWantedIsGrantedWithAStackDepth() throws IOException {
        Connection c = InitNegotiation.answer(init(InitNegotiation.PASSTHROUGH), 256, 64, true);
        assertTrue((c.flags() & InitNegotiation.PASSTHROUGH) != 0);
        assertTrue(c.granted().contains("passthrough"), c.granted().toString());
        ByteBuffer out = buffer.data(64);
        assertEquals(1 << 5, out.getInt(32) & (1 << 5), "flags2 bit 5 (FUSE_PASSTHROUGH)");
        assertEquals(1 << 30, out.getInt(12) & (1 << 30), "INIT_EXT, so that flags2 is read");
        assertEquals(InitNegotiation.MAX_STACK_DEPTH, out.getInt(36), "max_stack_depth");
    }

    @Test
    void aKernelWithoutItIsNotAskedAndTheReasonNamesTheKernel() throws IOException {
        Connection c = InitNegotiation.answer(init(0), 256, 64, true);
        assertEquals(0, c.flags() & InitNegotiation.PASSTHROUGH);
        assertTrue(c.refused().stream().anyMatch(r -> r.startsWith("passthrough")), c.refused().toString());
        ByteBuffer out = buffer.data(64);
        assertEquals(0, out.getInt(32) & (1 << 5));
        assertEquals(0, out.getInt(36), "no stack depth without passthrough");
        Passthrough p = Passthrough.open(sink, PassthroughCandidate.of(5, "disk.raw", 0, true), c);
        assertFalse(p.active());
        assertEquals(0, p.backingIdFor(5));
        assertTrue(p.refusal().contains("the kernel does not offer FUSE passthrough"), p.refusal());
        assertEquals(List.of(), p.describe().get("files"));
    }

    @Test
    void offeredButNotWantedIsLeftAlone() throws IOException {
        Connection c = InitNegotiation.answer(init(InitNegotiation.PASSTHROUGH), 256, 64, false);
        assertEquals(0, c.flags() & InitNegotiation.PASSTHROUGH);
        assertEquals(0, buffer.data(64).getInt(36));
        assertEquals("turned off", Passthrough.whyNotOffered(PassthroughCandidate.refused("turned off")));
    }
}
