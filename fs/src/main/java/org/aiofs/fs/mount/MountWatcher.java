package org.aiofs.fs.mount;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.aiofs.fs.kernel.KernelMount;

/**
 * What fusermount3's auto_unmount does, for every kernel-transport mount: a small shell
 * process holds the read end of a pipe from the server. When the pipe closes,
 * because the server exited or was killed (-9 included: the kernel closes the pipe), the
 * watcher detaches the mount, but only if it is still this server's (same device number at
 * the same place) and dead (its connection gone), as fusermount3 checks. Dead is asked by
 * opening the directory (ls), which always reaches the server (stat could be answered from
 * the kernel's attribute cache), as the user who mounted: root can't open a user's mount.
 * Root detaches with umount -l, a user with fusermount3 -u -z.
 */
final class MountWatcher implements AutoCloseable {
    private static final String SCRIPT = String.join("\n",
            "trap '' INT TERM HUP QUIT",
            "cat >/dev/null",
            "awk '$3 == ENVIRON[\"AIOFS_DEV\"] && $5 == ENVIRON[\"AIOFS_MANGLED\"] { found = 1 }"
                    + " END { exit !found }' /proc/self/mountinfo || exit 0",
            "if LC_ALL=C ls -- \"$AIOFS_MNT\" 2>&1 >/dev/null | grep -q -e 'not connected' -e 'abort'; then",
            "  echo \"$(date '+%F %T.000') aiofs: the server of $AIOFS_MNT is gone; detaching the mount\" >&2",
            "  $AIOFS_UNMOUNT -- \"$AIOFS_MNT\"",
            "fi");

    private final Process process;
    private final OutputStream pipe;

    private MountWatcher(Process process) {
        this.process = process;
        this.pipe = process.getOutputStream();
    }

    static MountWatcher start(Path mountPoint) throws IOException {
        MountTable.Entry entry = MountTable.find(mountPoint)
                .orElseThrow(() -> new IOException(mountPoint + " is not in the mount table after mount(2)"));
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", SCRIPT, "aiofs-watch")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("AIOFS_MNT", mountPoint.toString());
        pb.environment().put("AIOFS_MANGLED", MountTable.escape(mountPoint.toString()));
        pb.environment().put("AIOFS_DEV", entry.device());
        pb.environment().put("AIOFS_UNMOUNT",
                KernelMount.runningAsRoot() ? "umount -l" : Preflight.fusermount() + " -u -z");
        return new MountWatcher(pb.start());
    }

    /** After a clean unmount: the watcher finds no mount of ours and exits. */
    @Override
    public void close() {
        try {
            pipe.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
            }
        } catch (IOException e) {
            process.destroy();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
