package org.aiofs.image.raw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.engine.ThreadPoolEngine;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.BlockStatus;
import org.aiofs.image.ImageException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawImageTest {
    private static final int SIZE = 4 << 20;

    @TempDir
    Path dir;

    ThreadPoolEngine engine;
    Path file;

    @BeforeEach
    void setUp() throws IOException {
        engine = new ThreadPoolEngine(2);
        file = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(SIZE);
            f.seek(1 << 20);
            f.write(new byte[] {1, 2, 3});
        }
    }

    @AfterEach
    void tearDown() {
        engine.close();
    }

    @Test
    void readsWhatTheFileHolds() throws IOException {
        try (RawImage image = new RawImage(HostFile.open(file, true, false), engine)) {
            assertEquals(SIZE, image.size());
            ByteBuffer buf = ByteBuffer.allocate(4);
            Futures.await(image.read((1 << 20) - 1, buf));
            assertEquals(ByteBuffer.wrap(new byte[] {0, 1, 2, 3}), buf);
        }
    }

    @Test
    void refusesRangesOutsideTheDiskAndWritesWhenReadOnly() throws IOException {
        try (RawImage image = new RawImage(HostFile.open(file, true, false), engine)) {
            ImageException outside = assertThrows(ImageException.class,
                    () -> Futures.await(image.read(SIZE - 1, ByteBuffer.allocate(2))));
            assertEquals(Errno.EINVAL, outside.errno());
            ImageException ro = assertThrows(ImageException.class,
                    () -> Futures.await(image.write(0, ByteBuffer.allocate(2))));
            assertEquals(Errno.EROFS, ro.errno());
        }
    }

    @Test
    void blockStatusFollowsHolesAndData() throws IOException {
        try (RawImage image = new RawImage(HostFile.open(file, false, false), engine)) {
            BlockStatus first = image.blockStatus(0, SIZE);
            assertEquals(BlockStatus.Kind.ZERO, first.kind());
            assertEquals(1 << 20, first.length(), "a sparse file is a hole up to its first data block");
            BlockStatus data = image.blockStatus(1 << 20, SIZE - (1 << 20));
            assertEquals(BlockStatus.Kind.DATA, data.kind());
            Futures.await(image.writeZeroes(0, SIZE, true));
            assertEquals(new BlockStatus(BlockStatus.Kind.ZERO, 0, SIZE), image.blockStatus(0, SIZE));
        }
    }

    /** Block status remembers a run of data it found; zeroing inside it must not be answered from that memory. */
    @Test
    void aRunOfDataItFoundIsForgottenOnceZeroed() throws IOException {
        try (RawImage image = new RawImage(HostFile.open(file, false, false), engine)) {
            byte[] ones = new byte[2 << 20];
            java.util.Arrays.fill(ones, (byte) 1);
            Futures.await(image.write(0, ByteBuffer.wrap(ones)));
            assertEquals(new BlockStatus(BlockStatus.Kind.DATA, 0, 2 << 20), image.blockStatus(0, 2 << 20));
            assertEquals(new BlockStatus(BlockStatus.Kind.DATA, 4096, 4096), image.blockStatus(4096, 4096));
            Futures.await(image.writeZeroes(0, 1 << 20, true));
            assertEquals(new BlockStatus(BlockStatus.Kind.ZERO, 4096, (1 << 20) - 4096),
                    image.blockStatus(4096, SIZE - 4096));
            assertEquals(BlockStatus.Kind.DATA, image.blockStatus((1 << 20) + 4096, 4096).kind());
        }
    }
}
