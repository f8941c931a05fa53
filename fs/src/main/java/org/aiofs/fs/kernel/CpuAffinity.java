package org.aiofs.fs.kernel;

import com.kenai.jffi.MemoryIO;
import org.aiofs.aio.nativeio.Native;
import org.aiofs.aio.nativeio.Syscalls;

/**
 * Pins the calling thread to one CPU (sched_setaffinity), as libfuse pins each FUSE io_uring
 * queue's thread to the queue's CPU: the kernel queues a request on the queue of the CPU its
 * caller runs on, so the reply is made where the caller waits, without waking another CPU.
 */
final class CpuAffinity {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final long SCHED_SETAFFINITY;

    static {
        String arch = System.getProperty("os.arch");
        SCHED_SETAFFINITY = arch.equals("amd64") || arch.equals("x86_64") ? 203 : arch.equals("aarch64") ? 122 : -1;
    }

    private CpuAffinity() {
    }

    /** Pins the calling thread to {@code cpu}; says what became of it (for info.json). */
    static String pin(int cpu) {
        if (SCHED_SETAFFINITY < 0) {
            return "not pinned: unknown architecture " + System.getProperty("os.arch");
        }
        if (cpu < 0 || cpu >= 1024) {
            return "not pinned: CPU " + cpu + " out of range";
        }
        int bytes = 128; // 1024 CPUs
        long mask = MEMORY.allocateMemory(bytes, true);
        try {
            MEMORY.putByte(mask + cpu / 8, (byte) (1 << (cpu % 8)));
            long rc = Syscalls.INSTANCE.syscall(SCHED_SETAFFINITY, 0, bytes, mask, 0, 0, 0);
            return rc == 0 ? "pinned to CPU " + cpu : "not pinned: " + Native.describe(Native.errno());
        } finally {
            MEMORY.freeMemory(mask);
        }
    }
}
