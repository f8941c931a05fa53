package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The private directory where mount servers keep their pid files and logs: /run/aiofs for
 * root, else $XDG_RUNTIME_DIR/aiofs, else aiofs-UID in the temp directory. It is made 0700;
 * one that exists must be a real directory (not a symlink) owned by this user, or it is
 * refused: in a shared temp directory anyone could have made it first.
 */
public final class RuntimeDirectory {
    private static final Set<PosixFilePermission> PRIVATE = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    private RuntimeDirectory() {
    }

    /** The directory, made or checked. */
    public static Path get() throws IOException {
        int uid = uid();
        Path dir;
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (uid == 0) {
            dir = Path.of("/run/aiofs");
        } else if (xdg != null && !xdg.isEmpty()) {
            dir = Path.of(xdg, "aiofs");
        } else {
            dir = Path.of(System.getProperty("java.io.tmpdir"), "aiofs-" + uid);
        }
        return ensurePrivate(dir, uid);
    }

    /** Makes {@code dir} 0700, or checks that the one there is this user's own directory. */
    static Path ensurePrivate(Path dir, int uid) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
        } catch (FileAlreadyExistsException e) {
            // checked below
        }
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isDirectory()) {
            throw new IOException("runtime directory " + dir + " is not a directory (a symlink or a file is there):"
                    + " remove it, or set XDG_RUNTIME_DIR to a private directory");
        }
        int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != uid) {
            throw new IOException("runtime directory " + dir + " belongs to uid " + owner + ", not to you (uid " + uid
                    + "): remove it, or set XDG_RUNTIME_DIR to a private directory");
        }
        if (!a.permissions().equals(PRIVATE)) {
            Files.setPosixFilePermissions(dir, PRIVATE); // ours: an older aiofs made it 0755
        }
        return dir;
    }

    /** This process's user id: the owner of its /proc entry. */
    static int uid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }
}
