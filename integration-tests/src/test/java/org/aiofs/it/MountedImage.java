package org.aiofs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An image mounted through the aiofs CLI for the duration of a test; closing it unmounts
 * with `aiofs unmount` and checks that nothing is left mounted.
 */
public final class MountedImage implements AutoCloseable {
    private final Path mountPoint;
    private final Path pidFile;
    private final long serverPid;
    private boolean unmounted;

    private MountedImage(Path mountPoint, Path pidFile, long serverPid) {
        this.mountPoint = mountPoint;
        this.pidFile = pidFile;
        this.serverPid = serverPid;
    }

    /** Mounts {@code image} on a new directory under {@code workDir} with the given extra options. */
    public static MountedImage mount(Path image, Path workDir, String... options) throws IOException {
        return mount(image.toString(), workDir, options);
    }

    /** Mounts an image named by a path or an NBD URI. */
    public static MountedImage mount(String image, Path workDir, String... options) throws IOException {
        Path mountPoint = Files.createTempDirectory(workDir, "mnt");
        Path pidFile = workDir.resolve(mountPoint.getFileName() + ".pid");
        List<String> args = new ArrayList<>(List.of("mount", "--pid-file", pidFile.toString()));
        args.addAll(List.of(options));
        args.add(image);
        args.add(mountPoint.toString());
        Commands.aiofs(args.toArray(String[]::new)).assertSuccess();
        if (!Mounts.isMounted(mountPoint)) {
            throw new AssertionError("aiofs mount returned 0 but " + mountPoint + " is not mounted");
        }
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        return new MountedImage(mountPoint, pidFile, pid);
    }

    public Path mountPoint() {
        return mountPoint;
    }

    public Path disk() {
        return mountPoint.resolve("disk.raw");
    }

    public Path file(String name) {
        return mountPoint.resolve(name);
    }

    public long serverPid() {
        return serverPid;
    }

    public Path pidFile() {
        return pidFile;
    }

    /** Unmounts now (the image is complete afterwards); close() then does nothing. */
    public void unmount() {
        if (!unmounted) {
            Commands.aiofs("unmount", mountPoint.toString()).assertSuccess();
            unmounted = true;
            if (Mounts.isMounted(mountPoint)) {
                throw new AssertionError(mountPoint + " still mounted after aiofs unmount");
            }
            if (ProcessHandle.of(serverPid).map(ProcessHandle::isAlive).orElse(false)) {
                throw new AssertionError("server " + serverPid + " still running after aiofs unmount");
            }
        }
    }

    /** For tests that end the server themselves. */
    public void forgetMount() {
        unmounted = true;
    }

    @Override
    public void close() {
        if (!unmounted && Mounts.isMounted(mountPoint)) {
            unmount();
        }
    }
}
