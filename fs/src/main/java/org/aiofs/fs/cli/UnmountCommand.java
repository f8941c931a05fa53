package org.aiofs.fs.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.aiofs.fs.mount.MountException;
import org.aiofs.fs.mount.Unmounter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "unmount", aliases = "umount", mixinStandardHelpOptions = true,
        description = {"Unmount MOUNTPOINT and wait until its server has flushed and closed the image.",
                "Also clears a mount whose server died."},
        footer = {"", "Exit codes: 0 unmounted and the image closed cleanly, 1 failure (not mounted, busy, the server"
                + " stopped, or the final flush failed: the line says what was lost)."})
public final class UnmountCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MOUNTPOINT")
    Path mountPoint;

    @Option(names = "--force", description = {"For a server that is stopped or hung: abort the FUSE connection"
            + " (waiting requests fail), detach the mount, resume the server so it can close the image.",
            "Writes the server has not flushed may be lost."})
    boolean force;

    @Override
    public Integer call() throws Exception {
        try {
            Unmounter.unmount(mountPoint, force);
            return 0;
        } catch (MountException e) {
            System.err.println("aiofs: " + e.getMessage());
            return 1;
        }
    }
}
