package org.aiofs.image;

import org.aiofs.aio.nativeio.Errno;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import org.aiofs.aio.nbd.NbdUri;

/**
 * Where an image is: a local file (or block device), or an NBD export named by its URI.
 * Names inside an image (a backing file) are resolved against it as QEMU resolves them: a
 * relative name against the image's folder, or against its URI (the same server, a sibling
 * export). An image on an export may name only exports: a local path would let the server
 * make this machine serve any of its files.
 */
public sealed interface ImageLocation permits ImageLocation.Local, ImageLocation.Remote {

    /** A file on this machine. */
    record Local(Path path) implements ImageLocation {
        @Override
        public String toString() {
            return path.toString();
        }
    }

    /** An NBD export. */
    record Remote(NbdUri uri) implements ImageLocation {
        @Override
        public String toString() {
            return uri.toString();
        }
    }

    /** An NBD URI (by its scheme) or a path; a malformed URI is an IllegalArgumentException with one line. */
    static ImageLocation parse(String text) {
        if (NbdUri.isNbdUri(text)) {
            return new Remote(NbdUri.parse(text));
        }
        return new Local(Path.of(text));
    }

    static ImageLocation of(Path path) {
        return new Local(path);
    }

    default boolean isRemote() {
        return this instanceof Remote;
    }

    /** The local path; IllegalStateException for an export. */
    default Path path() {
        if (this instanceof Local l) {
            return l.path();
        }
        throw new IllegalStateException(this + " is an NBD export, not a local file");
    }

    /**
     * What {@code name}, found inside the image here, refers to.
     *
     * @throws ImageException naming the field when the name is unusable or not allowed from here
     */
    default ImageLocation resolve(String name, String field) throws IOException {
        if (NbdUri.isNbdUri(name)) {
            try {
                return new Remote(NbdUri.parse(name));
            } catch (IllegalArgumentException e) {
                throw ImageException.corrupt(toString(), field + " " + e.getMessage());
            }
        }
        Path p;
        try {
            p = Path.of(name);
        } catch (InvalidPathException e) {
            throw ImageException.corrupt(toString(), field + " '" + name.replaceAll("\\p{Cntrl}", "?")
                    + "' named in the image is not a valid path");
        }
        if (this instanceof Remote r) {
            if (p.isAbsolute()) {
                throw new ImageException(this + ": " + field + " " + name + " names a file on this machine; an"
                        + " image on an NBD export may name only exports (an nbd:// URI, or a name relative to it)",
                        Errno.EACCES);
            }
            try {
                return new Remote(r.uri().sibling(name));
            } catch (IllegalArgumentException e) {
                throw ImageException.corrupt(toString(), field + " " + e.getMessage());
            }
        }
        if (p.isAbsolute()) {
            return new Local(p);
        }
        Path folder = path().toAbsolutePath().getParent();
        return new Local(folder == null ? p : folder.resolve(p));
    }
}
