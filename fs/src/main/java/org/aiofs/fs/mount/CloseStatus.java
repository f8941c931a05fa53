package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;

/**
 * How a server ended, in a file of the runtime directory, for `aiofs unmount` to read once
 * the server has exited (a background server's exit code reaches no one else): "closed" when
 * every write was made durable and the image closed cleanly, else the one line saying what
 * was lost. No file at all means the server was killed before it could close the image.
 */
public final class CloseStatus {
    private static final String CLOSED = "closed";

    private CloseStatus() {
    }

    /** At start: a status left by an earlier server on the same mountpoint says nothing about this one. */
    static void clear(RuntimeFiles files) throws IOException {
        Files.deleteIfExists(files.statusFile());
    }

    /** @param failure the line saying what was lost, or null when the image was closed cleanly */
    static void write(RuntimeFiles files, String failure) {
        try {
            var tmp = files.statusFile().resolveSibling(files.statusFile().getFileName() + ".tmp");
            Files.writeString(tmp, (failure == null ? CLOSED : failure.replace('\n', ' ')) + "\n");
            Files.move(tmp, files.statusFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            org.aiofs.fs.log.ServerLog.error("cannot write " + files.statusFile() + ": " + e.getMessage());
        }
    }

    /**
     * Reads and removes the status after the server exited.
     *
     * @return null when the image was closed cleanly, else what went wrong
     */
    static String take(RuntimeFiles files, long pid) throws IOException {
        String status;
        try {
            status = Files.readString(files.statusFile()).trim();
        } catch (NoSuchFileException e) {
            return "the server (pid " + pid + ") ended without closing the image (killed?): writes since the last"
                    + " flush may be lost; its log: " + files.logFile();
        }
        Files.deleteIfExists(files.statusFile());
        return status.equals(CLOSED) ? null : status;
    }
}
