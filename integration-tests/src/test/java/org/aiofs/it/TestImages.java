package org.aiofs.it;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Images for tests, made the plain way (the qcow2 ones are made with qemu-img). */
public final class TestImages {
    private TestImages() {
    }

    public static Path sparseRaw(Path dir, String name, long size) throws IOException {
        Path image = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(size);
        }
        return image;
    }

    /** A raw image filled with seeded random bytes. */
    public static Path randomRaw(Path dir, String name, long size, long seed) throws IOException {
        Path image = dir.resolve(name);
        Random random = new Random(seed);
        byte[] chunk = new byte[1 << 20];
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            for (long done = 0; done < size; done += chunk.length) {
                random.nextBytes(chunk);
                f.write(chunk, 0, (int) Math.min(chunk.length, size - done));
            }
        }
        return image;
    }

    public static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
