package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Detaches a FUSE mount with fusermount, which works for unprivileged users and dead servers alike. */
public final class FuseUnmount {
    /** What fusermount said, and whether it worked. */
    public record Result(boolean ok, String message) {
    }

    private FuseUnmount() {
    }

    /** {@code lazy}: detach now even if busy (the kernel finishes when the last user leaves). */
    public static Result run(Path mountPoint, boolean lazy) {
        String program = Preflight.onPath("fusermount") ? "fusermount" : "fusermount3";
        List<String> command = new ArrayList<>(List.of(program, "-u"));
        if (lazy) {
            command.add("-z");
        }
        command.add(mountPoint.toString());
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            int rc = p.waitFor();
            return new Result(rc == 0, output);
        } catch (IOException e) {
            return new Result(false, program + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "interrupted");
        }
    }
}
