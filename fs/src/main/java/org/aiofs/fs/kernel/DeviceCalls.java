package org.aiofs.fs.kernel;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.annotations.SaveError;

/**
 * The libc calls of the kernel transport that the engines' {@code LibC}/{@code Syscalls} do
 * not have: mounting, process credentials, the fusermount3 hand-over (socketpair, recvmsg,
 * posix_spawn) and raw-address ioctl. Public only because jnr-ffi implements it in another class loader. Addresses are passed as longs, so memory from
 * {@code MemoryIO} travels without a copy; errno is read with {@code Native.errno()}.
 */
public interface DeviceCalls {
    @SaveError int ioctl(int fd, long request, long arg);

    @SaveError int mount(String source, String target, String type, long flags, String data);

    int geteuid();

    int getegid();

    @SaveError int socketpair(int domain, int type, int protocol, long fds);

    @SaveError long recvmsg(int fd, long msghdr, int flags);

    int posix_spawn_file_actions_init(long actions);

    int posix_spawn_file_actions_adddup2(long actions, int fd, int newfd);

    int posix_spawn_file_actions_addopen(long actions, int fd, String path, int oflag, int mode);

    int posix_spawn_file_actions_addclosefrom_np(long actions, int from);

    int posix_spawn_file_actions_destroy(long actions);

    /** Returns an error number (not -1 with errno), as POSIX says. */
    int posix_spawnp(long pid, String file, long actions, long attributes, long argv, long envp);

    @SaveError int waitpid(int pid, long status, int options);

    DeviceCalls INSTANCE = LibraryLoader.create(DeviceCalls.class).option(LibraryOption.SaveError, true).load("c");
}
