package org.aiofs.aio.nbd;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** The client's log lines, kept for assertions; a test can wait for a line as for an event. */
public final class LogLines implements Consumer<String> {
    private final List<String> lines = new ArrayList<>();

    @Override
    public synchronized void accept(String line) {
        lines.add(line);
        notifyAll();
    }

    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    public synchronized long count(Predicate<String> which) {
        return lines.stream().filter(which).count();
    }

    /** Waits until a line matches; the line, or an AssertionError naming what was seen instead. */
    public synchronized String await(Predicate<String> which, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String l : lines) {
                if (which.test(l)) {
                    return l;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no such log line within " + timeout + "; lines: " + lines);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
