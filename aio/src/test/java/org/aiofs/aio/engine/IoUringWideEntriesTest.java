package org.aiofs.aio.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import com.kenai.jffi.MemoryIO;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.aio.nativeio.Native;
import org.aiofs.aio.nativeio.OpenFlags;
import org.aiofs.aio.nativeio.Syscalls;
import org.junit.jupiter.api.Test;

/**
 * Rings of 128-byte SQEs (IORING_SETUP_SQE128), which FUSE over io_uring needs for its
 * commands: the kernel takes the flag, a driver command reaches the file's driver (/dev/null's
 * answers 0, /dev/zero has none: EOPNOTSUPP), and ordinary requests in the following entries
 * still run (the entries are laid 128 bytes apart).
 */
class IoUringWideEntriesTest {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    @Test
    void aCommandReachesTheDriverAndPlainRequestsStillRun() throws Exception {
        int devNull = Native.libc().open("/dev/null", OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC, 0);
        int devZero = Native.libc().open("/dev/zero", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC, 0);
        long buffer = MEMORY.allocateMemory(64, true);
        try (IoUringRing ring = IoUringRing.createWideEntries(8)) {
            assertTrue((ring.setupFlags() & IoUringSetup.SQE128) != 0, "SQE128 taken");
            assertTrue(ring.supportedOpcodes()[IoUringRing.OP_URING_CMD], "IORING_OP_URING_CMD supported");
            MEMORY.setMemory(buffer, 64, (byte) 0x7f);
            ring.pushCommand(devNull, 1, 0, 0, 77, 1, 2, 3);
            ring.pushCommand(devZero, 1, 0, 0, 78, 1, 2, 3);
            for (int i = 0; i < 3; i++) {
                ring.push(IoUringRing.OP_READ, 0, devZero, 0, buffer + 16L * i, 16, 0, 100 + i);
            }
            Map<Long, Integer> results = new HashMap<>();
            while (results.size() < 5) {
                ring.submitAndWait(1);
                while (ring.hasCompletion()) {
                    results.put(ring.cqeUserData(), ring.cqeResult());
                    ring.consumeCompletion();
                }
            }
            assertEquals(0, results.get(77L), "/dev/null's uring_cmd answers 0: " + results);
            assertEquals(-Errno.EOPNOTSUPP, results.get(78L), "/dev/zero has no uring_cmd: " + results);
            for (int i = 0; i < 3; i++) {
                assertEquals(16, results.get(100L + i), "read " + i + ": " + results);
            }
            for (int i = 0; i < 48; i++) {
                assertEquals(0, MEMORY.getByte(buffer + i), "byte " + i + " read from /dev/zero");
            }
        } finally {
            MEMORY.freeMemory(buffer);
            Syscalls.INSTANCE.close(devNull);
            Syscalls.INSTANCE.close(devZero);
        }
    }

    @Test
    void aCommandNeedsWideEntries() throws Exception {
        try (IoUringRing ring = IoUringRing.create(4, false, -1, IoUringSetup.KERNEL)) {
            assertThrows(IllegalStateException.class, () -> ring.pushCommand(0, 1, 0, 0, 1, 0, 0, 0));
        }
    }
}
