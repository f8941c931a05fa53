package org.aiofs.fs.log;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** The mount server's log: stderr, which a background server sends to its log file. */
public final class ServerLog {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private ServerLog() {
    }

    public static void info(String message) {
        System.err.println(LocalDateTime.now().format(TIME) + " aiofs: " + message);
    }

    public static void error(String message) {
        System.err.println(LocalDateTime.now().format(TIME) + " aiofs: error: " + message);
    }
}
