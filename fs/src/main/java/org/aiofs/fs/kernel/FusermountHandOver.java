package org.aiofs.fs.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.kenai.jffi.MemoryIO;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.aio.nativeio.Native;
import org.aiofs.aio.nativeio.Syscalls;

/**
 * Mounting as a user: fusermount3 (setuid root) mounts and sends the device descriptor back
 * over a Unix socket named by {@code _FUSE_COMMFD} (SCM_RIGHTS), as libfuse does. Java can't
 * pass a descriptor to a child, so fusermount3 is started with posix_spawn; it exits once it
 * has handed the descriptor over.
 */
final class FusermountHandOver {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int O_WRONLY = 1;
    private static final int O_TRUNC = 0x200;
    /** The descriptor number fusermount3 finds the socket at. */
    private static final int CHILD_SOCKET = 3;

    private FusermountHandOver() {
    }

    /**
     * Mounts and returns the mount's descriptor.
     *
     * @param program fusermount3 (or fuse 2's fusermount), found on PATH
     */
    static FuseChannel mount(Path mountPoint, KernelMountOptions options, String program, Path scratchDir)
            throws IOException {
        DeviceCalls calls = DeviceCalls.INSTANCE;
        long fds = MEMORY.allocateMemory(8, true);
        long pidOut = MEMORY.allocateMemory(4, true);
        long actions = MEMORY.allocateMemory(256, true);
        Path errors = Files.createTempFile(scratchDir, "fusermount-", ".err");
        try {
            if (calls.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
                throw new IOException("socketpair for " + program + " failed: " + Native.describe(Native.errno()));
            }
            int theirs = MEMORY.getInt(fds);
            int ours = MEMORY.getInt(fds + 4);
            calls.posix_spawn_file_actions_init(actions);
            calls.posix_spawn_file_actions_adddup2(actions, theirs, CHILD_SOCKET);
            calls.posix_spawn_file_actions_addopen(actions, 2, errors.toString(), O_WRONLY | O_TRUNC, 0);
            closeTheRest(calls, actions);
            int rc;
            try (NativeStrings argv = new NativeStrings(List.of(program, "-o", options.fusermountOptions(), "--",
                    mountPoint.toString()));
                 NativeStrings envp = new NativeStrings(environment())) {
                rc = calls.posix_spawnp(pidOut, program, actions, 0, argv.address(), envp.address());
            } finally {
                calls.posix_spawn_file_actions_destroy(actions);
                Syscalls.INSTANCE.close(theirs);
            }
            if (rc != 0) {
                Syscalls.INSTANCE.close(ours);
                throw new IOException("cannot run " + program + " (install the package fuse3): "
                        + Native.describe(rc));
            }
            int pid = MEMORY.getInt(pidOut);
            int fd;
            try {
                fd = receiveDescriptor(ours);
            } finally {
                Syscalls.INSTANCE.close(ours);
                reap(pid);
            }
            if (fd < 0) {
                String said = Files.readString(errors, StandardCharsets.UTF_8).trim().replace('\n', ' ');
                throw new IOException(program + " could not mount " + mountPoint
                        + (said.isEmpty() ? "" : ": " + said));
            }
            return FuseChannel.adopt(fd, "/dev/fuse (from " + program + ")");
        } finally {
            MEMORY.freeMemory(fds);
            MEMORY.freeMemory(pidOut);
            MEMORY.freeMemory(actions);
            Files.deleteIfExists(errors);
        }
    }

    /** Nothing of this JVM but the socket and stderr reaches fusermount3 (glibc 2.34+; older ones skip it). */
    private static void closeTheRest(DeviceCalls calls, long actions) {
        try {
            calls.posix_spawn_file_actions_addclosefrom_np(actions, CHILD_SOCKET + 1);
        } catch (LinkageError | RuntimeException e) {
            // fusermount3 runs with the JVM's inherited descriptors: harmless, only untidy
        }
    }

    private static List<String> environment() {
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            if (!e.getKey().equals("_FUSE_COMMFD")) {
                env.add(e.getKey() + "=" + e.getValue());
            }
        }
        env.add("_FUSE_COMMFD=" + CHILD_SOCKET);
        return env;
    }

    /** recvmsg with one byte of data and an SCM_RIGHTS control message; -1 if fusermount3 closed the socket. */
    private static int receiveDescriptor(int socket) throws IOException {
        long msg = MEMORY.allocateMemory(56 + 16 + 24 + 8, true);
        try {
            long iov = msg + 56;
            long control = iov + 16;
            long data = control + 24;
            MEMORY.putLong(iov, data);
            MEMORY.putLong(iov + 8, 1);
            MEMORY.putLong(msg + 16, iov); // msg_iov
            MEMORY.putLong(msg + 24, 1); // msg_iovlen
            MEMORY.putLong(msg + 32, control); // msg_control
            MEMORY.putLong(msg + 40, 24); // msg_controllen: CMSG_SPACE(sizeof(int))
            long n;
            do {
                n = DeviceCalls.INSTANCE.recvmsg(socket, msg, MSG_CMSG_CLOEXEC);
            } while (n < 0 && Native.errno() == Errno.EINTR);
            if (n < 0) {
                throw new IOException("receiving the FUSE descriptor failed: " + Native.describe(Native.errno()));
            }
            if (n == 0 || MEMORY.getLong(msg + 40) < 20 || MEMORY.getInt(control + 8) != SOL_SOCKET
                    || MEMORY.getInt(control + 12) != SCM_RIGHTS) {
                return -1;
            }
            return MEMORY.getInt(control + 16);
        } finally {
            MEMORY.freeMemory(msg);
        }
    }

    private static void reap(int pid) {
        long status = MEMORY.allocateMemory(4, true);
        try {
            DeviceCalls.INSTANCE.waitpid(pid, status, 0);
        } finally {
            MEMORY.freeMemory(status);
        }
    }
}
