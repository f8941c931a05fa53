package org.aiofs.it;

import java.util.List;

/** What a finished command printed and returned. */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {
    public CommandResult assertSuccess() {
        if (exitCode != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + exitCode + "\nstdout: " + stdout
                    + "\nstderr: " + stderr);
        }
        return this;
    }

    /** Non-empty lines of stderr. */
    public List<String> stderrLines() {
        return stderr.lines().filter(l -> !l.isBlank()).toList();
    }
}
