package org.aiofs.aio.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * The file or device a benchmark runs on. Without a target given, a file of random data
 * (incompressible, fully allocated) is made in /var/tmp, a real disk file system where
 * O_DIRECT means what it says, and removed on close.
 */
public final class BenchTarget implements AutoCloseable {
    public static final long DEFAULT_SIZE = 256L << 20;

    private final Path path;
    private final boolean owned;

    private BenchTarget(Path path, boolean owned) {
        this.path = path;
        this.owned = owned;
    }

    public static BenchTarget existing(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new IOException(path + ": no such file or device");
        }
        return new BenchTarget(path, false);
    }

    public static BenchTarget temporary(Path directory, long size) throws IOException {
        Path file = Files.createTempFile(directory, "aiofs-bench-", ".img");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
            byte[] bytes = new byte[1 << 20];
            new Random(1).nextBytes(bytes);
            chunk.put(bytes).flip();
            for (long at = 0; at < size; at += chunk.capacity()) {
                ch.write(chunk.duplicate(), at);
            }
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return new BenchTarget(file, true);
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        if (owned) {
            Files.deleteIfExists(path);
        }
    }
}
