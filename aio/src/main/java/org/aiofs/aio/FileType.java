package org.aiofs.aio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The type of a file as stat(2) reports it (st_mode & S_IFMT). Images are regular files or
 * block devices; a FIFO would block an open or a read forever, and a directory or socket is
 * never a disk.
 */
public enum FileType {
    REGULAR("a regular file"),
    BLOCK_DEVICE("a block device"),
    CHARACTER_DEVICE("a character device"),
    DIRECTORY("a directory"),
    FIFO("a FIFO (named pipe)"),
    SOCKET("a socket"),
    SYMBOLIC_LINK("a symbolic link"),
    UNKNOWN("a file of unknown type");

    private static final int S_IFMT = 0170000;

    private final String description;

    FileType(String description) {
        this.description = description;
    }

    /** "a FIFO (named pipe)": for messages. */
    public String description() {
        return description;
    }

    public static FileType ofMode(int mode) {
        return switch (mode & S_IFMT) {
            case 0100000 -> REGULAR;
            case 0060000 -> BLOCK_DEVICE;
            case 0020000 -> CHARACTER_DEVICE;
            case 0040000 -> DIRECTORY;
            case 0010000 -> FIFO;
            case 0140000 -> SOCKET;
            case 0120000 -> SYMBOLIC_LINK;
            default -> UNKNOWN;
        };
    }

    /** The type of what {@code path} names, symbolic links followed. */
    public static FileType of(Path path) throws IOException {
        return ofMode((Integer) Files.getAttribute(path, "unix:mode"));
    }

    /** The type of the file behind an open descriptor (what was really opened, whatever the name now names). */
    public static FileType ofDescriptor(int fd) throws IOException {
        return of(Path.of("/proc/self/fd/" + fd));
    }
}
