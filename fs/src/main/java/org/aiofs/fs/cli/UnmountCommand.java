package org.aiofs.fs.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.aiofs.fs.mount.MountException;
import org.aiofs.fs.mount.Unmounter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "unmount", aliases = "umount", mixinStandardHelpOptions = true,
        description = {"Unmount MOUNTPOINT and wait until its server has flushed and closed the image.",
                "Also clears a mount whose server died."},
        footer = {"", "Exit codes: 0 unmounted, 1 failure (not mounted, busy, ...)."})
public final class UnmountCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MOUNTPOINT")
    Path mountPoint;

    @Override
    public Integer call() throws Exception {
        try {
            Unmounter.unmount(mountPoint);
            return 0;
        } catch (MountException e) {
            System.err.println("aiofs: " + e.getMessage());
            return 1;
        }
    }
}
