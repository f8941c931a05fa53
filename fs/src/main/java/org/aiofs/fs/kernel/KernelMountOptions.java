package org.aiofs.fs.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * A kernel-transport mount's options, read from aiofs's own and the user's {@code -o} list,
 * and written out as mount(2)'s flags and data string (root) or fusermount3's {@code -o}
 * list (other users). The kernel takes only a few options; anything else is refused by name
 * rather than passed on to fail as "invalid argument".
 *
 * @param fsName the mount's source, as the mount table shows it (the image's path)
 */
public record KernelMountOptions(String fsName, boolean readOnly, boolean allowOther, boolean defaultPermissions,
                                 long flags) {
    public static final String TYPE = "fuse.aiofs";
    static final long MS_RDONLY = 1;
    static final long MS_NOSUID = 2;
    static final long MS_NODEV = 4;
    static final long MS_NOEXEC = 8;
    static final long MS_NOATIME = 1024;

    private static final String KNOWN = "ro, rw, allow_other, default_permissions, nosuid, suid, nodev, dev, noexec,"
            + " exec, noatime, fsname=NAME";

    /**
     * @param userOptions the {@code -o} options given
     * @throws IllegalArgumentException naming an option the kernel transport does not take
     */
    public static KernelMountOptions of(String fsName, boolean readOnly, List<String> userOptions) {
        boolean ro = readOnly;
        boolean allowOther = false;
        boolean defaultPermissions = false;
        long flags = MS_NOSUID | MS_NODEV;
        String name = fsName;
        for (String o : userOptions) {
            switch (o) {
                case "ro" -> ro = true;
                case "rw" -> {
                }
                case "allow_other" -> allowOther = true;
                case "default_permissions" -> defaultPermissions = true;
                case "nosuid" -> flags |= MS_NOSUID;
                case "suid" -> flags &= ~MS_NOSUID;
                case "nodev" -> flags |= MS_NODEV;
                case "dev" -> flags &= ~MS_NODEV;
                case "noexec" -> flags |= MS_NOEXEC;
                case "exec" -> flags &= ~MS_NOEXEC;
                case "noatime" -> flags |= MS_NOATIME;
                default -> {
                    if (o.startsWith("fsname=") && o.length() > "fsname=".length()) {
                        name = o.substring("fsname=".length());
                    } else {
                        throw new IllegalArgumentException("-o " + o + ": not an option of the kernel transport"
                                + " (it takes " + KNOWN + "); libfuse's own options need --transport libfuse2");
                    }
                }
            }
        }
        return new KernelMountOptions(name, ro, allowOther, defaultPermissions, flags | (ro ? MS_RDONLY : 0));
    }

    /** mount(2)'s data string for a mount made on descriptor {@code fd} by {@code uid}:{@code gid}. */
    String kernelData(int fd, int uid, int gid) {
        StringBuilder d = new StringBuilder("fd=").append(fd).append(",rootmode=40000,user_id=").append(uid)
                .append(",group_id=").append(gid);
        if (allowOther) {
            d.append(",allow_other");
        }
        if (defaultPermissions) {
            d.append(",default_permissions");
        }
        return d.toString();
    }

    /**
     * fusermount3's -o list (it adds fd, rootmode and the ids itself, and always nosuid,nodev
     * for users). No auto_unmount: fusermount3 3.14 checks the dead mount as root, which a
     * user's mount without allow_other refuses (EACCES), and then leaves it mounted; aiofs's
     * own watcher does that job for every mount.
     */
    String fusermountOptions() {
        List<String> o = new ArrayList<>();
        o.add(readOnly ? "ro" : "rw");
        if ((flags & MS_NOEXEC) != 0) {
            o.add("noexec");
        }
        if ((flags & MS_NOATIME) != 0) {
            o.add("noatime");
        }
        o.add("fsname=" + fsName);
        o.add("subtype=aiofs");
        if (allowOther) {
            o.add("allow_other");
        }
        if (defaultPermissions) {
            o.add("default_permissions");
        }
        return String.join(",", o);
    }
}
