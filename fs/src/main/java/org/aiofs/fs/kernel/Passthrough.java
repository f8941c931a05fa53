package org.aiofs.fs.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.kenai.jffi.MemoryIO;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.aio.nativeio.Native;

/**
 * FUSE passthrough as settled for one connection: the file whose reads and writes the kernel
 * serves from the image file itself (a backing id from FUSE_DEV_IOC_BACKING_OPEN), or why
 * none is. Every open of that file carries the same backing id, as the kernel requires; its
 * I/O never reaches aiofs, so it is not in the counters.
 */
final class Passthrough {
    /** _IOW(229, 1, struct fuse_backing_map): {int32 fd, uint32 flags, uint64 padding}. */
    private static final long FUSE_DEV_IOC_BACKING_OPEN = 0x4010_e501L;
    private static final int CAP_SYS_ADMIN = 21;
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private final long inode;
    private final String name;
    private final int backingId;
    private final boolean writes;
    private final String refusal;

    private Passthrough(long inode, String name, int backingId, boolean writes, String refusal) {
        this.writes = writes;
        this.inode = inode;
        this.name = name;
        this.backingId = backingId;
        this.refusal = refusal;
    }

    static Passthrough off(String reason) {
        return new Passthrough(0, null, 0, false, reason);
    }

    /**
     * Whether to offer passthrough in INIT: a candidate file, and the capability the backing
     * ioctl needs (asked first, so that a mount that can't use it does not negotiate it).
     * Returns null when it is worth offering, else the reason not to.
     */
    static String whyNotOffered(PassthroughCandidate candidate) {
        if (!candidate.wanted()) {
            return candidate.refusal();
        }
        if (!hasCapSysAdmin()) {
            return "the server lacks CAP_SYS_ADMIN, which FUSE_DEV_IOC_BACKING_OPEN needs (mount as root)";
        }
        return null;
    }

    /**
     * After INIT: registers the candidate's host file with the kernel. The INIT reply has been
     * written, so the kernel knows the connection may pass through.
     */
    static Passthrough open(FuseChannel channel, PassthroughCandidate candidate, Connection c) {
        if ((c.flags() & InitNegotiation.PASSTHROUGH) == 0) {
            return off("the kernel does not offer FUSE passthrough (FUSE " + c.kernelMajor() + "." + c.kernelMinor()
                    + "; it needs 7.40, Linux 6.9, with CONFIG_FUSE_PASSTHROUGH)");
        }
        long map = MEMORY.allocateMemory(16, true);
        try {
            MEMORY.putInt(map, candidate.hostFd());
            MEMORY.putInt(map + 4, 0);
            MEMORY.putLong(map + 8, 0);
            int id = DeviceCalls.INSTANCE.ioctl(channel.fd(), FUSE_DEV_IOC_BACKING_OPEN, map);
            if (id <= 0) {
                int errno = Native.errno();
                String why = errno == Errno.EPERM ? " (it needs CAP_SYS_ADMIN)"
                        : errno == Errno.ELOOP ? " (the image lies on too deep a stack of filesystems)" : "";
                return off("FUSE_DEV_IOC_BACKING_OPEN of the image file (fd " + candidate.hostFd() + ") on "
                        + channel + " failed: " + Native.describe(errno) + why);
            }
            return new Passthrough(candidate.inode(), candidate.name(), id, candidate.writes(), null);
        } finally {
            MEMORY.freeMemory(map);
        }
    }

    /** The backing id for an open of this node, or 0 when it is served by aiofs. */
    int backingIdFor(long nodeId) {
        return refusal == null && nodeId == inode ? backingId : 0;
    }

    /** Whether the kernel writes this file itself (else writes come to aiofs, as FOPEN_DIRECT_IO makes them). */
    boolean writes() {
        return writes;
    }

    boolean active() {
        return refusal == null;
    }

    String refusal() {
        return refusal;
    }

    String name() {
        return name;
    }

    /** For info.json: which files the kernel serves itself, or why none. */
    Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("files", refusal == null ? List.of(name) : List.of());
        if (refusal == null) {
            m.put("backing_id", backingId);
            m.put("writes", writes);
            m.put("note", writes ? "the kernel serves reads and writes of these files from the image file itself;"
                    + " they are not in the counters" : "the kernel serves reads of these files opened read-only"
                    + " from the image file itself; they are not in the counters (writes are)");
        } else {
            m.put("reason", refusal);
        }
        return m;
    }

    /** Bit 21 of the effective capabilities in /proc/self/status (read in one call, as procfs wants). */
    static boolean hasCapSysAdmin() {
        try (InputStream in = Files.newInputStream(Path.of("/proc/self/status"))) {
            String status = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            for (String line : status.split("\n")) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    return (caps & (1L << CAP_SYS_ADMIN)) != 0;
                }
            }
            return false;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }
}
