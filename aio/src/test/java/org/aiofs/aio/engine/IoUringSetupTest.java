package org.aiofs.aio.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import com.kenai.jffi.MemoryIO;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.nativeio.Errno;
import org.junit.jupiter.api.Test;

/** The optional setup flags: taken where the kernel has them, given up one by one where it does not. */
class IoUringSetupTest {
    private static final int ALL = IoUringSetup.SINGLE_ISSUER | IoUringSetup.DEFER_TASKRUN | IoUringSetup.COOP_TASKRUN;

    @Test
    void thisKernelTakesEveryOptionalFlag() throws Exception {
        // 6.1 has them all; the machines aiofs is tested on run 6.18
        try (IoUringEngine engine = new IoUringEngine()) {
            assertEquals("single issuer, deferred task work, cooperative task work", engine.setup());
        }
    }

    @Test
    void aKernelWithoutDeferredTaskWorkGetsTheRest() throws Exception {
        List<Integer> asked = new ArrayList<>();
        IoUringSetup.Call older = IoUringSetup.refusing(IoUringSetup.DEFER_TASKRUN);
        IoUringSetup.Call recording = (entries, params) -> {
            asked.add(MemoryIO.getInstance().getInt(params + IoUringSetup.FLAGS_AT));
            return older.setup(entries, params);
        };
        try (IoUringEngine engine = new IoUringEngine(IoUringEngine.Options.DEFAULT, recording)) {
            assertEquals("cooperative task work", engine.setup());
        }
        assertEquals(List.of(ALL, IoUringSetup.COOP_TASKRUN), asked, "flags asked for, in order");
        ProbeResult probe = IoUringEngine.probe(null, older);
        assertTrue(probe.supported(), probe.reason());
        assertTrue(probe.reason().contains("(cooperative task work)"), probe.reason());
    }

    @Test
    void aKernelWithoutAnyOptionalFlagStillWorks() throws Exception {
        try (IoUringEngine engine = new IoUringEngine(IoUringEngine.Options.DEFAULT, IoUringSetup.refusing(ALL))) {
            assertEquals("no optional setup flags", engine.setup());
        }
    }

    @Test
    void sqPollNeverAsksForDeferredTaskWork() throws Exception {
        try (IoUringEngine engine = new IoUringEngine(new IoUringEngine.Options(8, true, -1))) {
            assertFalse(engine.setup().contains("deferred"), engine.setup());
            assertTrue(engine.setup().contains("kernel submission polling"), engine.setup());
        }
    }

    @Test
    void aKernelWithoutIoUringIsRefusedWithItsError() {
        IoUringSetup.Call none = (entries, params) -> -Errno.ENOSYS;
        HostIoException e = assertThrows(HostIoException.class,
                () -> new IoUringEngine(IoUringEngine.Options.DEFAULT, none));
        assertTrue(e.getMessage().startsWith("io_uring_setup failed"), e.getMessage());
        ProbeResult probe = IoUringEngine.probe(null, none);
        assertFalse(probe.supported());
        assertTrue(probe.reason().startsWith("io_uring_setup failed"), probe.reason());
    }
}
