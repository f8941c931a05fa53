package org.aiofs.image.blockmap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Parent file names as Windows tools record them in differencing VHD and VHDX files (UTF-16,
 * often Windows paths such as {@code .\base.vhd} or {@code C:\VMs\base.vhdx}), turned into names
 * to try on this host: each as given (backslashes as slashes, resolved against the child's
 * folder), then each one's last component in the child's folder, where a copied pair of files
 * usually is. The first that names an existing file wins.
 */
public final class ParentNames {
    private ParentNames() {
    }

    /** UTF-16 text up to the first NUL. */
    public static String utf16(byte[] raw, boolean littleEndian) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(littleEndian ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        int end = 0;
        while (end + 1 < raw.length && b.getShort(end) != 0) {
            end += 2;
        }
        return new String(raw, 0, end, littleEndian ? StandardCharsets.UTF_16LE : StandardCharsets.UTF_16BE);
    }

    /** The names to try for {@code recorded}, in order (empty and unusable ones left out). */
    public static List<String> candidates(List<String> recorded) {
        Set<String> out = new LinkedHashSet<>();
        List<String> lastComponents = new ArrayList<>();
        for (String r : recorded) {
            String name = hostName(r);
            if (name.isEmpty()) {
                continue;
            }
            out.add(name);
            lastComponents.add(name.substring(name.lastIndexOf('/') + 1));
        }
        for (String last : lastComponents) {
            if (!last.isEmpty()) {
                out.add(last);
            }
        }
        return List.copyOf(out);
    }

    /** The first candidate that exists as a file, resolved as the opener resolves names; null if none. */
    public static String firstExisting(Path child, List<String> candidates) {
        Path folder = child.toAbsolutePath().getParent();
        for (String c : candidates) {
            try {
                Path p = Path.of(c);
                Path resolved = p.isAbsolute() || folder == null ? p : folder.resolve(p);
                if (Files.isRegularFile(resolved) || Files.isSymbolicLink(resolved)) {
                    return c;
                }
            } catch (InvalidPathException e) {
                // not a name this host can have: try the next one
            }
        }
        return null;
    }

    /** A Windows path as a host name: slashes for backslashes, no leading ".\"; "file://" URLs as paths. */
    static String hostName(String recorded) {
        String s = recorded.strip().replace('\\', '/');
        if (s.startsWith("file://")) {
            s = s.substring("file://".length());
        }
        while (s.startsWith("./")) {
            s = s.substring(2);
        }
        return s;
    }
}
