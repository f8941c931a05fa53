package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.time.Duration;

/**
 * `aiofs unmount`: detaches the mount and waits until its server has flushed and closed
 * the image, so that the image is complete when the command returns. A mount whose
 * server died is cleared too.
 */
public final class Unmounter {
    private static final long SERVER_EXIT_TIMEOUT_SECONDS = 120;

    private Unmounter() {
    }

    public static void unmount(Path mountPoint) throws MountException, IOException {
        Path canonical = MountPaths.canonical(mountPoint);
        Optional<MountTable.Entry> entry = MountTable.find(canonical);
        if (entry.isEmpty()) {
            throw new MountException(mountPoint + " is not mounted");
        }
        if (!entry.get().isFuse()) {
            throw new MountException(mountPoint + " is not a FUSE mount (it is " + entry.get().fsType() + ")");
        }
        RuntimeFiles files = RuntimeFiles.forMountPoint(canonical);
        Optional<ProcessHandle> server = files.server();
        FuseUnmount.Result result = FuseUnmount.run(canonical, false);
        if (!result.ok()) {
            if (result.message().contains("busy")) {
                throw new MountException(mountPoint + " is busy: a process still uses it (see: fuser -vm "
                        + mountPoint + ")");
            }
            throw new MountException("cannot unmount " + mountPoint + ": " + result.message());
        }
        try {
            if (!files.awaitServerExit(Duration.ofSeconds(SERVER_EXIT_TIMEOUT_SECONDS))) {
                throw new MountException("unmounted, but the server (pid " + server.map(ProcessHandle::pid)
                        .map(String::valueOf).orElse("?") + ") is still flushing after " + SERVER_EXIT_TIMEOUT_SECONDS
                        + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        files.removePid();
    }
}
