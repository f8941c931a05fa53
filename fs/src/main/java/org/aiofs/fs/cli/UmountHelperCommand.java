package org.aiofs.fs.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.aiofs.fs.mount.FuseUnmount;
import org.aiofs.fs.mount.MountException;
import org.aiofs.fs.mount.Unmounter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * umount(8)'s helper, run as {@code umount.fuse.aiofs} by {@code umount DIR} for a fuse.aiofs
 * mount, with umount's argument shape {@code DIR [-flnrv] [-N NS] [-t TYPE]}: it unmounts as
 * {@code aiofs unmount} does, so {@code umount} returns only once the image is flushed and
 * closed. {@code -l} detaches lazily without waiting; {@code -f} is refused (on FUSE it would
 * abort the server and lose unflushed writes).
 */
@Command(name = "umount-helper", hidden = true,
        description = "umount(8)'s helper for fuse.aiofs (umount.fuse.aiofs): DIR [-flnrv] [-N NS] [-t TYPE]")
public final class UmountHelperCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR")
    Path mountPoint;

    @Option(names = "-f")
    boolean force;

    @Option(names = "-l")
    boolean lazy;

    @Option(names = {"-n", "-r", "-v"})
    boolean[] ignored;

    @Option(names = "-N", paramLabel = "NS")
    String namespace;

    @Option(names = "-t", paramLabel = "TYPE")
    String type;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        if (namespace != null) {
            err.println("aiofs: umount -N (another mount namespace) is not supported");
            return MountHelperCommand.USAGE;
        }
        if (force) {
            err.println("aiofs: umount -f would abort the aiofs server and lose unflushed writes; use umount (waits"
                    + " for the flush) or umount -l (detaches now, the server finishes when the last user leaves)");
            return MountHelperCommand.USAGE;
        }
        try {
            if (lazy) {
                FuseUnmount.Result r = FuseUnmount.run(mountPoint.toAbsolutePath(), true);
                if (!r.ok()) {
                    throw new MountException("cannot unmount " + mountPoint + ": " + r.message());
                }
            } else {
                Unmounter.unmount(mountPoint);
            }
            return 0;
        } catch (MountException | java.io.IOException e) {
            err.println("aiofs: " + e.getMessage());
            return MountHelperCommand.FAILURE;
        }
    }
}
