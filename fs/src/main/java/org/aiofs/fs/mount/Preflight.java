package org.aiofs.fs.mount;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

import jnr.ffi.LibraryLoader;

/**
 * The checks made before anything is mounted, each failing with one line that says what is
 * wrong and what to do. The FUSE device and library can be pointed elsewhere through
 * AIOFS_FUSE_DEVICE and AIOFS_LIBFUSE, so that their absence can be tested.
 */
public final class Preflight {
    /** The library jnr-fuse loads; one symbol to make the loader really open it. */
    public interface LibFuseProbe {
        int fuse_version();
    }

    private Preflight() {
    }

    public static void checkImage(Path image, boolean readOnly) throws MountException {
        if (!Files.exists(image)) {
            throw new MountException("image " + image + " does not exist");
        }
        if (Files.isDirectory(image)) {
            throw new MountException("image " + image + " is a directory, not a disk image");
        }
        if (!Files.isReadable(image)) {
            throw new MountException("image " + image + " is not readable (permission denied)");
        }
        if (!readOnly && !writableOnDisk(image)) {
            throw new MountException("image " + image + " is read-only on disk; mount it with --read-only");
        }
    }

    /** Root may write anything, so the permission bits are asked too: a 0444 image was made read-only on purpose. */
    private static boolean writableOnDisk(Path image) {
        if (!Files.isWritable(image)) {
            return false;
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(image);
            return perms.contains(PosixFilePermission.OWNER_WRITE) || perms.contains(PosixFilePermission.GROUP_WRITE)
                    || perms.contains(PosixFilePermission.OTHERS_WRITE) || !Files.isRegularFile(image);
        } catch (IOException | UnsupportedOperationException e) {
            return true;
        }
    }

    public static void checkMountPoint(Path mountPoint) throws MountException {
        if (!Files.exists(mountPoint, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(mountPoint)) {
            if (isDeadMount(mountPoint)) {
                throw new MountException("mountpoint " + mountPoint
                        + " is a dead FUSE mount (transport endpoint is not connected); run: aiofs unmount "
                        + mountPoint);
            }
            throw new MountException("mountpoint " + mountPoint + " does not exist");
        }
        if (!Files.isDirectory(mountPoint)) {
            throw new MountException("mountpoint " + mountPoint + " is not a directory");
        }
        try {
            if (MountTable.find(mountPoint.toRealPath()).isPresent()) {
                throw new MountException("mountpoint " + mountPoint + " is already a mount point; unmount it first");
            }
        } catch (IOException e) {
            throw new MountException("mountpoint " + mountPoint + ": " + e.getMessage(), e);
        }
    }

    private static boolean isDeadMount(Path mountPoint) {
        try {
            return MountTable.find(mountPoint.toAbsolutePath().normalize()).isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    /** The FUSE device: /dev/fuse, or AIOFS_FUSE_DEVICE (to test its absence). */
    public static String fuseDevice() {
        return System.getenv().getOrDefault("AIOFS_FUSE_DEVICE", "/dev/fuse");
    }

    /** The fusermount program: fusermount3 (fuse3), or fuse 2's fusermount. */
    public static String fusermount() {
        return onPath("fusermount3") ? "fusermount3" : "fusermount";
    }

    /**
     * Everything the transport needs: {@link #checkFuseDevice}, and for libfuse2 the library
     * (the server checks this before mounting).
     */
    public static void checkFuse(Transport transport) throws MountException {
        checkFuseDevice(transport);
        if (transport != Transport.LIBFUSE2) {
            return;
        }
        String library = System.getenv().getOrDefault("AIOFS_LIBFUSE", "libfuse.so.2");
        try {
            LibraryLoader.create(LibFuseProbe.class).failImmediately().load(library).fuse_version();
        } catch (LinkageError | RuntimeException e) {
            throw new MountException(library + " not found: install the package libfuse2"
                    + " (Debian/Ubuntu: apt-get install libfuse2), or use --transport kernel");
        }
    }

    /**
     * The device (opened by root; a user's kernel-transport mount goes through fusermount3,
     * which opens it) and fusermount, without loading any native library: what `aiofs mount`
     * checks before starting the server, which checks libfuse itself (loading it here would
     * cost the short-lived command a native-library start-up).
     */
    @SuppressWarnings("try") // the open itself is the check
    public static void checkFuseDevice(Transport transport) throws MountException {
        String device = fuseDevice();
        Path dev = Path.of(device);
        if (!Files.exists(dev)) {
            throw new MountException(device + " is missing: load the fuse kernel module (modprobe fuse);"
                    + " in a container, pass --device /dev/fuse");
        }
        if (!onPath("fusermount") && !onPath("fusermount3")) {
            throw new MountException("fusermount not found: install the package fuse3 (apt-get install fuse3)");
        }
        if (transport == Transport.KERNEL && !runningAsRoot()) {
            return;
        }
        try (RandomAccessFile ignored = new RandomAccessFile(dev.toFile(), "rw")) {
            // opening it is the test
        } catch (IOException e) {
            throw new MountException("cannot open " + device + ": " + e.getMessage()
                    + " (mounting needs root or access to " + device + ")");
        }
    }

    /** Whether this process runs as root, read from /proc (no native call: the CLI stays quick to start). */
    private static boolean runningAsRoot() throws MountException {
        try {
            return RuntimeDirectory.uid() == 0;
        } catch (IOException e) {
            throw new MountException("cannot tell which user runs aiofs: " + e.getMessage());
        }
    }

    static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
