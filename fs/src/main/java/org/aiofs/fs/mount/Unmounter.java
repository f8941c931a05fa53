package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
        unmount(mountPoint, false);
    }

    /**
     * @param force abort the FUSE connection first (a stopped or hung server): requests in
     *              flight fail and what the server has not flushed may be lost
     */
    public static void unmount(Path mountPoint, boolean force) throws MountException, IOException {
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
        if (force) {
            FuseAbort.abortAndDetach(entry.get());
            // a stopped server resumes to find its connection gone: it closes the image and exits
            server.ifPresent(s -> signal(s.pid(), "CONT"));
        } else {
            if (server.isPresent() && ServerState.stopped(server.get().pid())) {
                long pid = server.get().pid();
                throw new MountException(mountPoint + ": its server (pid " + pid + ") is stopped (SIGSTOP or a"
                        + " debugger) and answers nothing: resume it (kill -CONT " + pid + ") and unmount again,"
                        + " or `aiofs unmount --force " + mountPoint + "` (aborts the mount: writes not yet flushed"
                        + " may be lost)");
            }
            FuseUnmount.Result result = FuseUnmount.run(canonical, false);
            if (!result.ok()) {
                if (result.message().contains("busy")) {
                    throw new MountException(mountPoint + " is busy: a process still uses it (see: fuser -vm "
                            + mountPoint + ")");
                }
                throw new MountException("cannot unmount " + mountPoint + ": " + result.message());
            }
        }
        if (server.isPresent()) {
            awaitClose(server.get(), files, force);
        }
        files.removePid();
    }

    private static void awaitClose(ProcessHandle server, RuntimeFiles files, boolean forced)
            throws MountException, IOException {
        try {
            server.onExit().get(SERVER_EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new MountException("unmounted" + (forced ? " (forced)" : "") + ", but the server (pid "
                    + server.pid() + ") is " + (ServerState.stopped(server.pid()) ? "stopped" : "still flushing")
                    + " after " + SERVER_EXIT_TIMEOUT_SECONDS + " s; the image is not closed until it exits");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException e) {
            throw new MountException("waiting for the server failed: " + e.getCause());
        }
        String lost = CloseStatus.take(files, server.pid());
        if (lost != null) {
            files.removePid();
            throw new MountException("unmounted" + (forced ? " (forced)" : "") + ", but " + lost);
        }
    }

    private static void signal(long pid, String name) {
        try {
            new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor();
        } catch (IOException e) {
            // the wait for the server's exit then reports it as stopped
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
