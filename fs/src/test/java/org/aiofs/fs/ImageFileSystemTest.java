package org.aiofs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.engine.ThreadPoolEngine;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.fs.layout.MountLayout;
import org.aiofs.image.raw.RawImage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The filesystem's logic on a real raw image, without FUSE. */
class ImageFileSystemTest {
    private static final int SIZE = 1 << 20;

    @TempDir
    Path dir;

    ThreadPoolEngine engine;
    RawImage image;
    ImageFileSystem fs;
    Path file;

    @BeforeEach
    void setUp() throws IOException {
        file = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(SIZE);
        }
        engine = new ThreadPoolEngine(2);
        image = new RawImage(HostFile.open(file, false, false), engine);
        fs = new ImageFileSystem(MountLayout.of(image, true), 0, 0, 0);
    }

    @AfterEach
    void tearDown() throws IOException {
        image.close();
        engine.close();
    }

    @Test
    void layoutHasTheDisk() throws FsException {
        assertEquals(List.of("disk.raw"), fs.list("/"), "an unpartitioned disk without info file");
        FileAttributes a = fs.attributes("/disk.raw");
        assertEquals(SIZE, a.size());
        assertEquals(0644, a.permissions());
        assertTrue(fs.attributes("/").directory());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> fs.attributes("/nope")).errno());
        assertEquals(Errno.ENOTDIR, assertThrows(FsException.class, () -> fs.attributes("/disk.raw/x")).errno());
    }

    @Test
    void writeThenReadLandsInTheImage() throws Exception {
        ByteBuffer data = ByteBuffer.allocateDirect(10_000);
        for (int i = 0; i < data.capacity(); i++) {
            data.put(i, (byte) i);
        }
        assertEquals(10_000, fs.write("/disk.raw", data, 12345));
        assertEquals(0, data.position(), "the caller's buffer must not move");
        ByteBuffer back = ByteBuffer.allocateDirect(10_000);
        assertEquals(10_000, fs.read("/disk.raw", back, 12345));
        assertEquals(data, back);
        fs.fsync("/disk.raw");
        byte[] onDisk = Files.readAllBytes(file);
        byte[] expected = new byte[10_000];
        data.get(0, expected);
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(onDisk, 12345, 12345 + 10_000));
    }

    @Test
    void readsStopAtTheEndAndWritesPastItFail() throws FsException {
        ByteBuffer buf = ByteBuffer.allocateDirect(8192);
        assertEquals(4096, fs.read("/disk.raw", buf, SIZE - 4096));
        assertEquals(0, fs.read("/disk.raw", buf, SIZE));
        assertEquals(4096, fs.write("/disk.raw", buf, SIZE - 4096), "the part that fits is written");
        assertEquals(Errno.ENOSPC, assertThrows(FsException.class, () -> fs.write("/disk.raw", buf, SIZE)).errno());
    }

    @Test
    void fallocateModes() throws Exception {
        ByteBuffer ones = ByteBuffer.allocateDirect(SIZE);
        while (ones.hasRemaining()) {
            ones.put((byte) 1);
        }
        ones.flip();
        fs.write("/disk.raw", ones, 0);
        fs.fallocate("/disk.raw", ImageFileSystem.FALLOC_FL_PUNCH_HOLE | ImageFileSystem.FALLOC_FL_KEEP_SIZE,
                4096, 8192);
        fs.fallocate("/disk.raw", ImageFileSystem.FALLOC_FL_ZERO_RANGE, 65536, 100);
        fs.fallocate("/disk.raw", 0, 0, SIZE); // allocating inside the disk: nothing to do
        assertEquals(Errno.EFBIG, assertThrows(FsException.class, () -> fs.fallocate("/disk.raw", 0, 0, SIZE + 1))
                .errno());
        assertEquals(Errno.EOPNOTSUPP, assertThrows(FsException.class,
                () -> fs.fallocate("/disk.raw", ImageFileSystem.FALLOC_FL_PUNCH_HOLE, 0, 10)).errno());
        byte[] onDisk = Files.readAllBytes(file);
        assertEquals(1, onDisk[4095]);
        assertEquals(0, onDisk[4096]);
        assertEquals(0, onDisk[4096 + 8191]);
        assertEquals(1, onDisk[4096 + 8192]);
        assertEquals(0, onDisk[65536 + 99]);
        assertEquals(1, onDisk[65536 + 100]);
    }

    @Test
    void sizeIsFixed() throws FsException {
        fs.truncate("/disk.raw", SIZE);
        assertEquals(Errno.EPERM, assertThrows(FsException.class, () -> fs.truncate("/disk.raw", 0)).errno());
    }

    @Test
    void readOnlyLayoutRefusesWrites() throws Exception {
        ImageFileSystem ro = new ImageFileSystem(MountLayout.of(image, false), 0, 0, 0);
        assertEquals(0444, ro.attributes("/disk.raw").permissions());
        assertEquals(Errno.EROFS, assertThrows(FsException.class, () -> ro.open("/disk.raw", true)).errno());
        assertEquals(Errno.EROFS, assertThrows(FsException.class,
                () -> ro.write("/disk.raw", ByteBuffer.allocate(1), 0)).errno());
        ro.open("/disk.raw", false);
    }
}
