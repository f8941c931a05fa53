package org.aiofs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The most memory a process has held (VmHWM), from /proc. For a process that runs to its
 * end, the high-water mark is read while waiting for it; its last reading before the exit
 * holds every peak up to then.
 */
final class PeakRss {
    private PeakRss() {
    }

    /** VmHWM of a live process, in bytes. */
    static long of(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmHWM for process " + pid);
    }

    /** A command run to its end, and the peak memory seen on the way. */
    record Run(int exit, String stdout, long peakBytes) {
    }

    static Run run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("aiofs-peak", ".out");
        try {
            Process p = new ProcessBuilder(new ArrayList<>(command)).redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            long peak = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (!p.waitFor(20, TimeUnit.MILLISECONDS)) {
                try {
                    peak = Math.max(peak, of(p.pid()));
                } catch (IOException exited) {
                    // gone between the wait and the read
                }
                if (System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " did not finish in 10 minutes");
                }
            }
            return new Run(p.exitValue(), Files.readString(out), peak);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
