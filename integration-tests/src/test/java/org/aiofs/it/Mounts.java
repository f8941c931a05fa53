package org.aiofs.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** Questions about the kernel's mount table, asked the way a user would (/proc/self/mountinfo). */
public final class Mounts {
    private Mounts() {
    }

    public static boolean isMounted(Path mountPoint) {
        String wanted = " " + mountPoint.toAbsolutePath().normalize() + " ";
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .anyMatch(line -> line.contains(wanted));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mount's options as the kernel shows them (mountinfo's sixth field, e.g. "ro,nosuid,nodev,relatime"). */
    public static String mountOptions(Path mountPoint) {
        String wanted = " " + mountPoint.toAbsolutePath().normalize() + " ";
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(line -> line.contains(wanted))
                    .reduce((first, last) -> last).map(line -> line.split(" ")[5])
                    .orElseThrow(() -> new AssertionError(mountPoint + " is not mounted"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits for an event the kernel finishes on its own (auto_unmount after a server died),
     * checking the mount table until it holds or the deadline passes.
     */
    public static boolean awaitUnmounted(Path mountPoint, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!isMounted(mountPoint)) {
                return true;
            }
            Thread.sleep(20);
        }
        return !isMounted(mountPoint);
    }
}
