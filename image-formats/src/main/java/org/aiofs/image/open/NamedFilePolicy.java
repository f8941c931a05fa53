package org.aiofs.image.open;

import org.aiofs.aio.nativeio.Errno;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.aiofs.image.ImageException;

/**
 * Which files an image may name (backing images, external data files, extents). A name read
 * from an image is untrusted: a downloaded image naming {@code /etc/shadow} as its backing
 * file would show that file through disk.raw, and one naming any host file as its data file
 * would write to it. So by default a named file must resolve, symbolic links followed, inside
 * the directory tree of the image the user named; the user widens that with
 * {@code --allow-backing DIR} (that tree too) or {@code --allow-backing any}. The kind of file
 * (a regular file or a block device, never a FIFO or character device) is checked when it is
 * opened ({@code HostFile}). Chains that aiofs builds itself (an overlay over the user's image)
 * name their trusted parts through {@link #alsoAllowing}.
 */
public final class NamedFilePolicy {
    /** The option users pass to widen the policy, for messages. */
    public static final String OPTION = "--allow-backing";

    private static final NamedFilePolicy CONFINED = new NamedFilePolicy(false, List.of());

    private final boolean any;
    private final List<Path> extraTrees;

    private NamedFilePolicy(boolean any, List<Path> extraTrees) {
        this.any = any;
        this.extraTrees = extraTrees;
    }

    /** The default: only files inside the named image's own directory tree. */
    public static NamedFilePolicy confined() {
        return CONFINED;
    }

    /**
     * From the user's {@code --allow-backing} values: {@code any}, or directories (or files)
     * whose trees are allowed too. A directory that does not exist is refused, so that a typo
     * does not silently allow nothing.
     */
    public static NamedFilePolicy fromOptions(List<String> values) {
        NamedFilePolicy p = CONFINED;
        for (String v : values) {
            if (v.toLowerCase(Locale.ROOT).equals("any")) {
                p = new NamedFilePolicy(true, p.extraTrees);
            } else {
                Path tree;
                try {
                    tree = Path.of(v).toRealPath();
                } catch (IOException | RuntimeException e) {
                    throw new IllegalArgumentException(OPTION + " " + v + ": no such file or directory");
                }
                p = p.alsoAllowing(tree);
            }
        }
        return p;
    }

    /** This policy, and also files inside {@code tree} (a directory, or one file). */
    public NamedFilePolicy alsoAllowing(Path tree) {
        List<Path> trees = new ArrayList<>(extraTrees);
        trees.add(real(tree));
        return new NamedFilePolicy(any, List.copyOf(trees));
    }

    /** Every named file is followed, wherever it is. */
    public boolean allowsAny() {
        return any;
    }

    /**
     * Checks the file {@code naming} names as {@code name} (its {@code role}: "backing file",
     * "external data file"), resolved to {@code resolved}, against the tree of {@code top}
     * (the image the user named).
     *
     * @return whether the file lies outside {@code top}'s directory (allowed by an option):
     *         the opener then says which chain it follows
     * @throws ImageException one line naming the file and the option that would allow it
     */
    boolean check(Path top, Path naming, String role, String name, Path resolved) throws ImageException {
        Path real = real(resolved);
        Path home = real(top).getParent();
        if (home != null && real.startsWith(home)) {
            return false;
        }
        if (any) {
            return true;
        }
        for (Path tree : extraTrees) {
            if (real.startsWith(tree)) {
                return true;
            }
        }
        Path folder = real.getParent() == null ? real : real.getParent();
        throw new ImageException(naming + ": " + role + " '" + printable(name) + "' named in the image resolves to "
                + real + ", outside " + home + "; refused (names in an image are untrusted): pass " + OPTION + " "
                + folder + " (or " + OPTION + " any) to follow it", Errno.EACCES);
    }

    /** The file itself, symbolic links resolved; a name that does not exist yet stays as it is spelt. */
    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /** Control characters from an image are not written to a terminal. */
    static String printable(String name) {
        return ImageException.printable(name);
    }
}
