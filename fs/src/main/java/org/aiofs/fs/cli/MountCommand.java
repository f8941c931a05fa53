package org.aiofs.fs.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.aiofs.fs.mount.BackgroundMount;
import org.aiofs.fs.mount.MountException;
import org.aiofs.fs.mount.MountOptions;
import org.aiofs.fs.mount.MountServer;
import org.aiofs.image.ImageLocation;
import org.aiofs.fs.mount.PassthroughMode;
import org.aiofs.fs.mount.Preflight;
import org.aiofs.fs.mount.Transport;
import org.aiofs.image.open.ImageDrivers;
import org.aiofs.image.open.NamedFilePolicy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "mount", mixinStandardHelpOptions = true,
        description = {"Mount IMAGE on MOUNTPOINT: MOUNTPOINT/disk.raw is then the whole virtual disk.",
                "IMAGE is a file or block device, or an NBD export: nbd://HOST[:PORT]/EXPORT, "
                        + "nbds://... (TLS), nbd+unix:///EXPORT?socket=PATH.",
                "Returns once the mount serves (the server keeps running in the background), "
                        + "or fails with the server's error."},
        footer = {"", "The background server logs to /run/aiofs/mount-*.log (or $XDG_RUNTIME_DIR/aiofs).",
                "Exit codes: 0 mounted (or, with --foreground, unmounted cleanly), 1 failure."})
public final class MountCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image: a file or an NBD URI.")
    String image;

    @Parameters(index = "1", paramLabel = "MOUNTPOINT", description = "An existing, empty directory.")
    Path mountPoint;

    @Option(names = {"-r", "--read-only"}, description = "Serve the image read-only (files are 0444; writes fail with EROFS).")
    boolean readOnly;

    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", completionCandidates = FormatNames.class,
            description = "The image format (${COMPLETION-CANDIDATES}); probed from the image when not given. A raw"
                    + " image is written only when named.")
    String format;

    @Option(names = "--engine", paramLabel = "NAME", defaultValue = "auto",
            description = "I/O engine: auto, sync, worker, threadpool, posix-aio, linux-aio, io_uring (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--cache", paramLabel = "MODE", defaultValue = "auto",
            description = {"Host cache mode, as QEMU's cache=: auto, writeback, writethrough, none, directsync, "
                    + "unsafe (default: ${DEFAULT-VALUE}: writeback for image files, none (O_DIRECT) for block devices)."})
    String cache;

    @Option(names = "--transport", paramLabel = "NAME", defaultValue = "kernel",
            description = {"How FUSE is spoken: kernel (the protocol on /dev/fuse, asynchronous, 1 MiB requests) or "
                    + "libfuse2 (libfuse 2 through jnr-fuse; portable, 128 KiB requests) (default: ${DEFAULT-VALUE})."})
    String transport;

    @Option(names = "--passthrough", paramLabel = "auto|reads|off", defaultValue = "auto",
            description = {"auto: the kernel reads and writes disk.raw of a raw image itself, straight from the"
                    + " image file (FUSE passthrough; needs root and Linux 6.9+, cache writeback or unsafe, transport"
                    + " kernel; otherwise off, with the reason in the log and info.json); a write past the end then"
                    + " grows the image file, as on the bare file. reads: only reads and mmap are passed through,"
                    + " writes go through aiofs (the disk's size stays fixed). off: every request goes through"
                    + " aiofs (default: ${DEFAULT-VALUE})."})
    String passthrough;

    @Option(names = "--foreground", description = "Stay attached: serve until unmounted or interrupted.")
    boolean foreground;

    @Option(names = "--pid-file", paramLabel = "FILE", description = "Write the server's pid to FILE.")
    Path pidFile;

    @Option(names = "-o", paramLabel = "OPTION", split = ",",
            description = "FUSE mount options passed on, e.g. allow_other (which always comes with"
                    + " default_permissions: file modes are enforced for every user).")
    List<String> fuseOptions = new ArrayList<>();

    @Option(names = "--allow-backing", paramLabel = "DIR|any",
            description = {"Also follow backing and data files the image names inside DIR (repeatable), or anywhere"
                    + " (any). By default they must lie inside the image's own directory tree."})
    List<String> allowBacking = new ArrayList<>();

    @Option(names = "--single-threaded", description = "Serve FUSE requests on one thread (libfuse -s; one reader).")
    boolean singleThreaded;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--notify-ready", hidden = true, description = "Print READY once served (used by the launcher).")
    boolean notifyReady;

    @Option(names = "--no-auto-unmount", hidden = true,
            description = "Leave a dead mount behind if the server dies (to test that unmount clears it).")
    boolean noAutoUnmount;

    @Override
    public Integer call() throws Exception {
        String imageFormat = format == null ? null : ImageDrivers.byName(format).name();
        try {
            NamedFilePolicy.fromOptions(allowBacking);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Transport fuseTransport;
        PassthroughMode passthroughMode;
        ImageLocation location;
        try {
            fuseTransport = Transport.parse(transport);
            passthroughMode = PassthroughMode.parse(passthrough);
            location = ImageLocation.parse(image);
        } catch (IllegalArgumentException e) {
            System.err.println("aiofs: " + e.getMessage());
            return 1;
        }
        if (!location.isRemote()) {
            location = ImageLocation.of(location.path().toAbsolutePath());
        }
        if (foreground) {
            try {
                new MountServer(new MountOptions(location, mountPoint.toAbsolutePath(), imageFormat,
                        readOnly, engine, cache, fuseTransport, singleThreaded, fuseOptions,
                        pidFile == null ? null : pidFile.toAbsolutePath(), notifyReady, !noAutoUnmount,
                        allowBacking, passthroughMode)).run();
                return 0;
            } catch (MountException e) {
                System.err.println("aiofs: " + e.getMessage());
                return 1;
            }
        }
        try {
            if (!location.isRemote()) {
                Preflight.checkImage(location.path(), readOnly);
            }
            Preflight.checkMountPoint(mountPoint);
            Preflight.checkFuse(fuseTransport);
            BackgroundMount.start(serverArguments(location), mountPoint);
            return 0;
        } catch (MountException e) {
            System.err.println("aiofs: " + e.getMessage());
            return 1;
        }
    }

    private List<String> serverArguments(ImageLocation location) {
        List<String> args = new ArrayList<>();
        if (readOnly) {
            args.add("--read-only");
        }
        if (format != null) {
            args.add("--format=" + format);
        }
        args.add("--engine=" + engine);
        args.add("--cache=" + cache);
        args.add("--transport=" + transport);
        args.add("--passthrough=" + passthrough);
        if (pidFile != null) {
            args.add("--pid-file=" + pidFile.toAbsolutePath());
        }
        if (singleThreaded) {
            args.add("--single-threaded");
        }
        if (noAutoUnmount) {
            args.add("--no-auto-unmount");
        }
        for (String a : allowBacking) {
            args.add("--allow-backing=" + (a.equals("any") ? a : Path.of(a).toAbsolutePath().toString()));
        }
        for (String o : fuseOptions) {
            args.add("-o");
            args.add(o);
        }
        args.add(location.toString());
        args.add(mountPoint.toAbsolutePath().toString());
        return args;
    }
}
