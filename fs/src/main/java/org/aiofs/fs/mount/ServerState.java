package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A server process's scheduling state from /proc/PID/stat: a stopped server (SIGSTOP, a
 * debugger) answers no FUSE request, so every reader of the mount and a plain unmount would
 * wait for it forever.
 */
final class ServerState {
    private ServerState() {
    }

    /** Whether the process is stopped ('T') or stopped by a tracer ('t'); false when it is gone. */
    static boolean stopped(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // pid (comm) state ...: comm may hold spaces and parentheses, so the state follows the last ')'
            int close = stat.lastIndexOf(')');
            char state = close >= 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
            return state == 'T' || state == 't';
        } catch (IOException e) {
            return false;
        }
    }
}
