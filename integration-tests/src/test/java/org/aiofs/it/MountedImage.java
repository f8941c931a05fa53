package org.aiofs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
        return mount(image.toString(), workDir, Map.of(), options);
    }

    /** The same, with {@code env} in the command's (and so the server's) environment. */
    public static MountedImage mount(Path image, Path workDir, Map<String, String> env, String... options)
            throws IOException {
        return mount(image.toString(), workDir, env, options);
    }

    /** Mounts an image named by a path or an NBD URI. */
    public static MountedImage mount(String image, Path workDir, String... options) throws IOException {
        return mount(image, workDir, Map.of(), options);
    }

    private static MountedImage mount(String image, Path workDir, Map<String, String> env, String... options)
            throws IOException {
        return start(image, Files.createTempDirectory(workDir, "mnt"), workDir, env, options);
    }

    /** Mounts {@code image} on an existing empty directory. */
    public static MountedImage mountOn(Path image, Path mountPoint, Path workDir, String... options)
            throws IOException {
        return start(image.toString(), mountPoint, workDir, Map.of(), options);
    }

    private static MountedImage start(String image, Path mountPoint, Path workDir, Map<String, String> env,
            String... options) throws IOException {
        Path pidFile = workDir.resolve(mountPoint.getFileName() + ".pid");
        List<String> args = new ArrayList<>(List.of("mount", "--pid-file", pidFile.toString()));
        args.addAll(List.of(options));
        args.add(image);
        args.add(mountPoint.toString());
        Commands.aiofs(env, args.toArray(String[]::new)).assertSuccess();
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
            if (isRunning(serverPid)) {
                throw new AssertionError("server " + serverPid + " still running after aiofs unmount");
            }
        }
    }

    /**
     * Whether the process still runs. An ended server may be a zombie for a moment, until init
     * reaps it (it was orphaned when `aiofs mount` returned): its files, the image among them,
     * are closed by then, and Java still calls it alive.
     */
    static boolean isRunning(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
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
