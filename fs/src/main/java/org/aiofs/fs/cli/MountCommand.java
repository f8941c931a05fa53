package org.aiofs.fs.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.aiofs.fs.kernel.KernelMountOptions;
import org.aiofs.fs.mount.BackgroundMount;
import org.aiofs.fs.mount.MountException;
import org.aiofs.fs.mount.MountOptions;
import org.aiofs.fs.mount.MountServer;
import org.aiofs.fs.mount.Overlay;
import org.aiofs.image.ImageLocation;
import org.aiofs.fs.mount.PassthroughMode;
import org.aiofs.fs.mount.Preflight;
import org.aiofs.fs.mount.ServerMemory;
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
        footer = {"", "Each background server logs to a file of its own, named after the mountpoint, in /run/aiofs"
                + " (root) or $XDG_RUNTIME_DIR/aiofs; `aiofs info MOUNTPOINT` shows which.",
                "mount(8) and fstab: `mount -t fuse.aiofs IMAGE DIR -o ro,format=qcow2` and lines such as"
                        + " `/vm/disk.qcow2 /mnt/vm fuse.aiofs ro,noauto 0 0` run aiofs through mount.fuse.aiofs;"
                        + " `umount DIR` waits as `aiofs unmount` does.",
                "", "Exit codes: 0 mounted (or, with --foreground, unmounted cleanly), 1 failure, 2 usage error."})
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

    @Option(names = "--cache-size", paramLabel = "SIZE", defaultValue = "32M", converter = CacheSize.class,
            description = {"Memory for image metadata (L2 tables, refcount blocks, inflated compressed clusters)"
                    + " of every image in the chain and every snapshot, as QEMU's cache-size; K, M, G suffixes"
                    + " (default: ${DEFAULT-VALUE}: the L2 tables of 256 GiB of disk at 64 KiB clusters)."})
    long cacheBytes;

    @Option(names = "--passthrough", paramLabel = "auto|reads|off", defaultValue = "auto",
            description = {"auto: the kernel reads and writes disk.raw of a raw image itself, straight from the"
                    + " image file (FUSE passthrough; needs root and Linux 6.9+, cache writeback or unsafe, transport"
                    + " kernel; otherwise off, with the reason in the log and info.json); a write past the end then"
                    + " grows the image file, as on the bare file. reads: only reads and mmap are passed through,"
                    + " writes go through aiofs (the disk's size stays fixed). off: every request goes through"
                    + " aiofs (default: ${DEFAULT-VALUE})."})
    String passthrough;

    @Option(names = "--fuse-uring", paramLabel = "auto|off", defaultValue = "auto",
            description = {"auto: with transport kernel, requests are served from io_uring queues (FUSE over"
                    + " io_uring, one queue per CPU) when the kernel offers it: Linux 6.14+ with"
                    + " /sys/module/fuse/parameters/enable_uring set to Y (as root: echo Y > that file, before"
                    + " mounting; aiofs never changes it); otherwise, and with off, over /dev/fuse. info.json says"
                    + " which (default: ${DEFAULT-VALUE})."})
    String fuseUring;

    @Option(names = "--foreground", description = "Stay attached: serve until unmounted or interrupted.")
    boolean foreground;

    @Option(names = "--pid-file", paramLabel = "FILE", description = "Write the server's pid to FILE.")
    Path pidFile;

    @Option(names = "-o", paramLabel = "OPTION", split = ",", preprocessor = MountOptionPreprocessor.class,
            description = {"Options as mount(8) and fstab write them, comma separated: ro (= --read-only), rw,"
                    + " aiofs's own long options as NAME=VALUE (format=qcow2, engine=, cache=, transport=,"
                    + " overlay[=FILE], allow-backing=DIR), FUSE's allow_other (which always comes with"
                    + " default_permissions: file modes are enforced for every user), default_permissions, nodev,"
                    + " nosuid, noexec, exec, and for --transport libfuse2 also allow_root and nonempty; noauto,"
                    + " nofail, _netdev, x-* and the access-time options are ignored, dev and suid dropped,"
                    + " anything else refused."})
    List<String> fuseOptions = new ArrayList<>();

    @Option(names = "--overlay", arity = "0..1", paramLabel = "FILE", fallbackValue = "",
            preprocessor = AttachedValueOnly.class,
            description = {"Open IMAGE read-only (a shared lock) and send every write to a qcow2 overlay whose"
                    + " backing file is IMAGE: a temporary one removed at unmount, or FILE (--overlay=FILE),"
                    + " kept for later: `qemu-img commit FILE` merges it into IMAGE. An existing FILE is reused"
                    + " when it is an overlay of IMAGE."})
    String overlay;

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

    @Option(names = "--log-file", hidden = true, description = "The log this server writes to (set by the launcher).")
    Path logFile;

    @Option(names = "--check-only", hidden = true,
            description = "Check the options, the image, the mountpoint and FUSE; mount nothing (mount -f).")
    boolean checkOnly;

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
        if (readOnly && overlay != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--overlay makes the mount writable (the image itself stays untouched): drop --read-only (-o ro)");
        }
        Transport fuseTransport;
        PassthroughMode passthroughMode;
        ImageLocation location;
        try {
            fuseTransport = Transport.parse(transport);
            passthroughMode = PassthroughMode.parse(passthrough);
            if (!fuseUring.equals("auto") && !fuseUring.equals("off")) {
                throw new IllegalArgumentException("--fuse-uring " + fuseUring + ": auto or off");
            }
            location = ImageLocation.parse(image);
        } catch (IllegalArgumentException e) {
            System.err.println("aiofs: " + e.getMessage());
            return 1;
        }
        if (!location.isRemote()) {
            location = ImageLocation.of(location.path().toAbsolutePath());
        }
        Overlay overlayRequest = overlay == null ? null
                : overlay.isEmpty() ? Overlay.temporary() : new Overlay(Path.of(overlay).toAbsolutePath());
        MountOptions options = new MountOptions(location, mountPoint.toAbsolutePath(), imageFormat, readOnly, engine,
                cache, fuseTransport, singleThreaded, fuseOptions, pidFile == null ? null : pidFile.toAbsolutePath(),
                notifyReady, !noAutoUnmount, cacheBytes, allowBacking, overlayRequest, logFile, passthroughMode,
                fuseUring.equals("auto"));
        if (fuseTransport == Transport.KERNEL) {
            try {
                // refused here, in one line, rather than in the background server's log
                KernelMountOptions.of(options.fsName(), readOnly, options.userFuseOptions());
            } catch (IllegalArgumentException e) {
                System.err.println("aiofs: " + e.getMessage());
                return 1;
            }
        }
        if (foreground && !checkOnly) {
            try {
                new MountServer(options).run();
                return 0;
            } catch (MountException e) {
                System.err.println("aiofs: " + e.getMessage());
                return 1;
            }
        }
        try {
            if (!location.isRemote()) {
                Preflight.checkImage(location.path(), readOnly || overlayRequest != null);
            }
            Preflight.checkMountPoint(mountPoint);
            Preflight.checkFuseDevice(fuseTransport);
            if (checkOnly) {
                return 0;
            }
            BackgroundMount.start(serverArguments(location), ServerMemory.jvmOptions(cacheBytes, location.isRemote()),
                    mountPoint);
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
        args.add("--cache-size=" + cacheBytes);
        args.add("--passthrough=" + passthrough);
        args.add("--fuse-uring=" + fuseUring);
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
