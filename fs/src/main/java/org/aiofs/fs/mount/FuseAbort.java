package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.aio.nativeio.Native;

/**
 * Ends a FUSE connection whose server does not answer (stopped, hung): every request waiting
 * on it fails with ENOTCONN, then the mount is detached. Through the connection's abort file
 * in the FUSE control file system when it is mounted (allowed to the mount's owner), else,
 * as root, umount2(MNT_FORCE | MNT_DETACH), which aborts a FUSE connection the same way.
 * What the server had not flushed is lost to the mount (the server may still flush its own
 * state once it runs again).
 */
final class FuseAbort {
    private static final Path CONNECTIONS = Path.of("/sys/fs/fuse/connections");
    private static final int MNT_FORCE = 1;
    private static final int MNT_DETACH = 2;

    private FuseAbort() {
    }

    static void abortAndDetach(MountTable.Entry entry) throws MountException {
        Path abort = CONNECTIONS.resolve(Long.toString(entry.deviceNumber())).resolve("abort");
        if (Files.exists(abort)) {
            try {
                Files.writeString(abort, "1");
            } catch (IOException e) {
                throw new MountException("cannot abort the FUSE connection of " + entry.mountPoint() + " through "
                        + abort + ": " + e.getMessage());
            }
            FuseUnmount.Result r = FuseUnmount.run(Path.of(entry.mountPoint()), true);
            if (!r.ok() && isMounted(entry)) {
                throw new MountException("aborted the FUSE connection of " + entry.mountPoint()
                        + " but cannot detach it: " + r.message());
            }
            return;
        }
        if (Native.libc().umount2(entry.mountPoint(), MNT_FORCE | MNT_DETACH) != 0) {
            int errno = Native.errno();
            throw new MountException("cannot force " + entry.mountPoint() + " off: umount2: " + Native.describe(errno)
                    + " (as a user, mount the FUSE control file system: mount -t fusectl none " + CONNECTIONS + ")");
        }
    }

    private static boolean isMounted(MountTable.Entry entry) {
        try {
            return MountTable.find(Path.of(entry.mountPoint())).isPresent();
        } catch (IOException e) {
            return true;
        }
    }
}
