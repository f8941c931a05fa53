package org.aiofs.fs.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.aiofs.fs.mount.BackgroundMount;
import org.aiofs.fs.mount.MountException;
import org.aiofs.fs.mount.MountOptions;
import org.aiofs.fs.mount.MountServer;
import org.aiofs.fs.mount.Overlay;
import org.aiofs.fs.mount.Preflight;
import org.aiofs.image.open.ImageDrivers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "mount", mixinStandardHelpOptions = true,
        description = {"Mount IMAGE on MOUNTPOINT: MOUNTPOINT/disk.raw is then the whole virtual disk.",
                "Returns once the mount serves (the server keeps running in the background), "
                        + "or fails with the server's error."},
        footer = {"", "Each background server logs to a file of its own, named after the mountpoint, in /run/aiofs"
                + " (root) or $XDG_RUNTIME_DIR/aiofs; `aiofs info MOUNTPOINT` shows which.",
                "mount(8) and fstab: `mount -t fuse.aiofs IMAGE DIR -o ro,format=qcow2` and lines such as"
                        + " `/vm/disk.qcow2 /mnt/vm fuse.aiofs ro,noauto 0 0` run aiofs through mount.fuse.aiofs;"
                        + " `umount DIR` waits as `aiofs unmount` does.",
                "", "Exit codes: 0 mounted (or, with --foreground, unmounted cleanly), 1 failure, 2 usage error."})
public final class MountCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image file (raw or qcow2).")
    Path image;

    @Parameters(index = "1", paramLabel = "MOUNTPOINT", description = "An existing, empty directory.")
    Path mountPoint;

    @Option(names = {"-r", "--read-only"}, description = "Serve the image read-only (files are 0444; writes fail with EROFS).")
    boolean readOnly;

    @Option(names = {"-f", "--format"}, paramLabel = "raw|qcow2",
            description = "The image format; probed from the image when not given. A raw image is written only when named.")
    String format;

    @Option(names = "--engine", paramLabel = "NAME", defaultValue = "auto",
            description = "I/O engine: auto, sync, worker, threadpool, io_uring, linux-aio (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--cache", paramLabel = "MODE", defaultValue = "auto",
            description = {"Host cache mode, as QEMU's cache=: auto, writeback, writethrough, none, directsync, "
                    + "unsafe (default: ${DEFAULT-VALUE}: writeback for image files, none (O_DIRECT) for block devices)."})
    String cache;

    @Option(names = "--foreground", description = "Stay attached: serve until unmounted or interrupted.")
    boolean foreground;

    @Option(names = "--pid-file", paramLabel = "FILE", description = "Write the server's pid to FILE.")
    Path pidFile;

    @Option(names = "-o", paramLabel = "OPTION", split = ",", preprocessor = MountOptionPreprocessor.class,
            description = {"Options as mount(8) and fstab write them, comma separated: ro (= --read-only), rw,"
                    + " aiofs's own long options as NAME=VALUE (format=qcow2, engine=, cache=, overlay[=FILE]),"
                    + " libfuse's allow_other, allow_root, default_permissions, nonempty, nodev, nosuid, noexec,"
                    + " exec; noauto, nofail, _netdev, x-* and the access-time options are ignored, dev and"
                    + " suid dropped, anything else refused."})
    List<String> fuseOptions = new ArrayList<>();

    @Option(names = "--overlay", arity = "0..1", paramLabel = "FILE", fallbackValue = "",
            preprocessor = AttachedValueOnly.class,
            description = {"Open IMAGE read-only (a shared lock) and send every write to a qcow2 overlay whose"
                    + " backing file is IMAGE: a temporary one removed at unmount, or FILE (--overlay=FILE),"
                    + " kept for later: `qemu-img commit FILE` merges it into IMAGE. An existing FILE is reused"
                    + " when it is an overlay of IMAGE."})
    String overlay;

    @Option(names = "--single-threaded", description = "Serve FUSE requests on one thread (libfuse -s).")
    boolean singleThreaded;

    @Option(names = "--notify-ready", hidden = true, description = "Print READY once served (used by the launcher).")
    boolean notifyReady;

    @Option(names = "--log-file", hidden = true, description = "The log this server writes to (set by the launcher).")
    Path logFile;

    @Option(names = "--no-auto-unmount", hidden = true,
            description = "Leave a dead mount behind if the server dies (to test that unmount clears it).")
    boolean noAutoUnmount;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String imageFormat = format == null ? null : ImageDrivers.byName(format).name();
        if (readOnly && overlay != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--overlay makes the mount writable (the image itself stays untouched): drop --read-only (-o ro)");
        }
        Overlay overlayRequest = overlay == null ? null
                : overlay.isEmpty() ? Overlay.temporary() : new Overlay(Path.of(overlay).toAbsolutePath());
        if (foreground) {
            try {
                new MountServer(new MountOptions(image.toAbsolutePath(), mountPoint.toAbsolutePath(), imageFormat,
                        readOnly, engine, cache, singleThreaded, fuseOptions,
                        pidFile == null ? null : pidFile.toAbsolutePath(), notifyReady, !noAutoUnmount,
                        overlayRequest, logFile)).run();
                return 0;
            } catch (MountException e) {
                System.err.println("aiofs: " + e.getMessage());
                return 1;
            }
        }
        try {
            Preflight.checkImage(image, readOnly || overlayRequest != null);
            Preflight.checkMountPoint(mountPoint);
            Preflight.checkFuseDevice();
            BackgroundMount.start(serverArguments(), mountPoint);
            return 0;
        } catch (MountException e) {
            System.err.println("aiofs: " + e.getMessage());
            return 1;
        }
    }

    private List<String> serverArguments() {
        List<String> args = new ArrayList<>();
        if (readOnly) {
            args.add("--read-only");
        }
        if (format != null) {
            args.add("--format=" + format);
        }
        args.add("--engine=" + engine);
        args.add("--cache=" + cache);
        if (pidFile != null) {
            args.add("--pid-file=" + pidFile.toAbsolutePath());
        }
        if (singleThreaded) {
            args.add("--single-threaded");
        }
        if (noAutoUnmount) {
            args.add("--no-auto-unmount");
        }
        if (overlay != null) {
            args.add(overlay.isEmpty() ? "--overlay" : "--overlay=" + Path.of(overlay).toAbsolutePath());
        }
        for (String o : fuseOptions) {
            args.add("-o");
            args.add(o);
        }
        args.add(image.toAbsolutePath().toString());
        args.add(mountPoint.toAbsolutePath().toString());
        return args;
    }
}
