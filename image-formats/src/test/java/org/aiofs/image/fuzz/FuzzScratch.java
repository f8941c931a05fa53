package org.aiofs.image.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where a fuzz target puts the file it opens: one directory per test class, in memory when
 * /dev/shm exists (a fuzzer runs thousands of inputs a second), removed afterwards. The
 * directory holds nothing else, so names an input's metadata invents (backing files, data
 * files) find nothing to open.
 */
final class FuzzScratch implements AutoCloseable {
    private final Path dir;

    FuzzScratch() throws IOException {
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "aiofs-fuzz")
                : Files.createTempDirectory("aiofs-fuzz");
    }

    /** {@code data} as the file {@code name}, replacing what an earlier input left. */
    Path file(String name, byte[] data) throws IOException {
        return Files.write(dir.resolve(name), data);
    }

    Path dir() {
        return dir;
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
