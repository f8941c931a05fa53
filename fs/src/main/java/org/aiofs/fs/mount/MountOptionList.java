package org.aiofs.fs.mount;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A mount(8)-style option list ({@code -o ro,format=qcow2,allow_other}, as an fstab line or
 * {@code mount -t fuse.aiofs} gives it) turned into what {@code aiofs mount} takes:
 * <ul>
 * <li>{@code ro} is {@code --read-only}; {@code rw} (writable) is the default; the last of the
 * two wins, as in mount(8).</li>
 * <li>aiofs's own options are its long options written as {@code NAME=VALUE} or {@code NAME}:
 * {@code format=qcow2} is {@code --format=qcow2}, {@code overlay} is {@code --overlay}.</li>
 * <li>{@link #PASSED} go to the FUSE transport as {@code -o} options; {@code dev} and {@code suid} are dropped (aiofs serves
 * neither device nodes nor set-uid files, so FUSE's nodev,nosuid stays); the options that
 * only mount(8), fstab and systemd read ({@code noauto}, {@code _netdev}, {@code x-*}, ...)
 * and the access-time ones (files here have no access times to keep) are ignored.</li>
 * <li>Anything else is refused, in one line naming it.</li>
 * </ul>
 */
public final class MountOptionList {
    /** Options passed on as they are (the kernel transport refuses the libfuse-only ones, allow_root and nonempty). */
    public static final Set<String> PASSED = Set.of("allow_other", "allow_root", "default_permissions", "nonempty",
            "nodev", "nosuid", "noexec", "exec");
    private static final Set<String> DROPPED = Set.of("dev", "suid", "async");
    private static final Set<String> IGNORED = Set.of("defaults", "auto", "noauto", "nofail", "_netdev", "user",
            "nouser", "users", "owner", "group", "atime", "noatime", "relatime", "norelatime", "strictatime",
            "nostrictatime", "lazytime", "nolazytime", "diratime", "nodiratime", "silent", "loud");

    /**
     * @param arguments   {@code aiofs mount} options ({@code --read-only}, {@code --format=qcow2}, ...)
     * @param fuseOptions {@code -o} options for the FUSE transport
     */
    public record Translation(List<String> arguments, List<String> fuseOptions) {
    }

    private MountOptionList() {
    }

    /**
     * @param items         the list, split at commas
     * @param isMountOption whether {@code --NAME} is an option of {@code aiofs mount} that
     *                      may be written as {@code -o NAME[=VALUE]}
     * @throws IllegalArgumentException naming the first option that is neither
     */
    public static Translation translate(List<String> items, Predicate<String> isMountOption) {
        List<String> arguments = new ArrayList<>();
        List<String> fuse = new ArrayList<>();
        Boolean readOnly = null;
        for (String item : items) {
            String name = name(item);
            if (item.isEmpty() || IGNORED.contains(item) || DROPPED.contains(item) || userspaceOnly(item)) {
                continue;
            }
            if (item.equals("ro") || item.equals("rw")) {
                readOnly = item.equals("ro");
            } else if (PASSED.contains(item)) {
                fuse.add(item);
            } else if (isMountOption.test(name)) {
                arguments.add("--" + item);
            } else {
                throw new IllegalArgumentException("unknown mount option '" + item + "' (aiofs takes ro, rw, "
                        + String.join(", ", PASSED.stream().sorted().toList())
                        + ", its own format=, engine=, cache=, overlay[=FILE], and ignores noauto, _netdev, x-*)");
            }
        }
        if (Boolean.TRUE.equals(readOnly)) {
            arguments.add(0, "--read-only");
        }
        return new Translation(arguments, fuse);
    }

    /** Whether {@link #translate} takes {@code item} (for mount -s, which drops the others). */
    public static boolean isKnown(String item, Predicate<String> isMountOption) {
        try {
            translate(List.of(item), isMountOption);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Options for mount(8), fstab readers and systemd only: comments and x-* / X-*. */
    private static boolean userspaceOnly(String item) {
        return item.startsWith("x-") || item.startsWith("X-") || item.startsWith("comment=");
    }

    private static String name(String item) {
        int eq = item.indexOf('=');
        return eq < 0 ? item : item.substring(0, eq);
    }
}
