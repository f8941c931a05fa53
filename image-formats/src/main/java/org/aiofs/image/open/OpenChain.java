package org.aiofs.image.open;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import org.aiofs.aio.HostFile;

/**
 * The files of one image being opened, in the order they were opened: the image the user
 * named, then every file its metadata named. A file counts by its identity on the host
 * (device and inode), so a second name for it (a symbolic link, a hard link, "../dir/x") is
 * still recognised as a loop or as a data file that is the image itself, before any lock is
 * taken that it would then collide with. An NBD export counts by its URI.
 */
final class OpenChain {
    /**
     * One opened file: what named it ("image", "backing file", "external data file"), where it
     * is (its path; null for an NBD export), what it is, and its name for messages.
     */
    record Link(String role, Path path, Object identity, boolean outside, String name) {
    }

    private final List<Link> links = new ArrayList<>();

    /** The image the user named (the first link); null for an export. */
    Path top() {
        return links.get(0).path();
    }

    int size() {
        return links.size();
    }

    boolean isEmpty() {
        return links.isEmpty();
    }

    /** The link already holding {@code file} (the same device and inode), or null. */
    Link find(HostFile file) throws IOException {
        Object id = identity(file);
        for (Link l : links) {
            if (Objects.equals(l.identity(), id)) {
                return l;
            }
        }
        return null;
    }

    void add(String role, HostFile file, boolean outside) throws IOException {
        Path path = file.isRemote() ? null : file.path().toAbsolutePath().normalize();
        links.add(new Link(role, path, identity(file), outside, path == null ? file.name() : path.toString()));
    }

    boolean leavesTheDirectory() {
        return links.stream().anyMatch(Link::outside);
    }

    /** "top.qcow2 -> backing file /x/base.qcow2 -> external data file /y/data.raw", for a notice. */
    String describe() {
        return links.stream().map(l -> l.role().equals("image") ? l.name() : l.role() + " " + l.name())
                .collect(Collectors.joining(" -> "));
    }

    @Override
    public String toString() {
        return links.stream().map(Link::name).collect(Collectors.joining(", ", "[", "]"));
    }

    /** Device and inode of the opened file (what was really opened, whatever the name now names). */
    private static Object identity(HostFile file) throws IOException {
        if (file.isRemote()) {
            return "export " + file.name();
        }
        Object key = Files.readAttributes(Path.of("/proc/self/fd/" + file.fd()), BasicFileAttributes.class).fileKey();
        return key != null ? key : file.path().toRealPath();
    }
}
