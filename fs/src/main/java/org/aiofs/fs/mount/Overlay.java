package org.aiofs.fs.mount;

import java.nio.file.Path;

/**
 * {@code mount --overlay[=FILE]}: the image is opened read-only and every write goes to a
 * qcow2 overlay on top of it, a temporary one ({@code file} null) or FILE, kept.
 */
public record Overlay(Path file) {
    public static Overlay temporary() {
        return new Overlay(null);
    }

    public boolean isTemporary() {
        return file == null;
    }

    /** How info.json and the log name it. */
    public String describe() {
        return isTemporary() ? "temporary (removed at unmount)" : file.toString();
    }
}
