package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Why a background server failed, read from its log for the terminal: the server's last
 * error, followed by what libfuse or fusermount printed (they write to the server's stderr,
 * which is the log), e.g. {@code cannot mount /mnt/vm: libfuse refused: fuse: mountpoint is not
 * empty; ...}.
 */
final class ServerLogReading {
    private static final String PREFIX = "aiofs: ";
    /** How {@code ServerLog.error} lines read after their time stamp. */
    private static final String LOGGED_ERROR = " " + PREFIX + "error: ";
    /** libfuse and fusermount say what they refuse in lines like "fuse: mountpoint is not empty". */
    private static final Pattern FUSE_LINE = Pattern.compile("^(fuse|fusermount3?)\\b.*");

    private ServerLogReading() {
    }

    static String failure(Path log) {
        List<String> lines;
        try {
            lines = Files.readAllLines(log);
        } catch (IOException e) {
            return "the server exited; its log " + log + " is unreadable: " + e.getMessage();
        }
        List<String> fuse = new ArrayList<>();
        String error = null;
        for (String raw : lines) {
            String l = raw.trim();
            if (FUSE_LINE.matcher(l).matches()) {
                fuse.add(l);
            }
            if (l.startsWith(PREFIX)) {
                error = l.substring(PREFIX.length()); // the server's last word, as the foreground command prints it
            } else if (l.contains(LOGGED_ERROR)) {
                error = l.substring(l.indexOf(LOGGED_ERROR) + LOGGED_ERROR.length());
            }
        }
        if (error == null) {
            return "the server exited without saying why" + (lines.isEmpty() ? "" : "; its last line: "
                    + lines.get(lines.size() - 1).trim()) + " (log: " + log + ")";
        }
        return fuse.isEmpty() ? error : error + ": " + String.join("; ", fuse);
    }
}
