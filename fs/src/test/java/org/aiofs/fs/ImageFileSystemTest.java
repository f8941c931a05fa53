package org.aiofs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.engine.ThreadPoolEngine;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.fs.layout.InodeNumbers;
import org.aiofs.fs.layout.MountLayout;
import org.aiofs.fs.layout.Node;
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
        fs.close();
        image.close();
        engine.close();
    }

    @Test
    void layoutHasTheDisk() throws FsException {
        assertEquals(List.of("disk.raw"), names(fs.list(fs.root())), "an unpartitioned disk without info file");
        Node disk = fs.lookup(fs.root(), "disk.raw");
        FileAttributes a = fs.attributes(disk);
        assertEquals(SIZE, a.size());
        assertEquals(0644, a.permissions());
        assertEquals(disk.inode(), a.inode());
        assertEquals(InodeNumbers.ROOT, fs.root().inode());
        assertTrue(fs.attributes(fs.root()).directory());
        assertEquals(disk, fs.resolve("/disk.raw"));
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> fs.lookup(fs.root(), "nope")).errno());
        assertEquals(Errno.ENOTDIR, assertThrows(FsException.class, () -> fs.resolve("/disk.raw/x")).errno());
        assertEquals(Errno.ENOTDIR, assertThrows(FsException.class, () -> fs.lookup(disk, "x")).errno());
    }

    @Test
    void writeThenReadLandsInTheImage() throws Exception {
        OpenFile disk = open("disk.raw", true);
        ByteBuffer data = ByteBuffer.allocateDirect(10_000);
        for (int i = 0; i < data.capacity(); i++) {
            data.put(i, (byte) i);
        }
        assertEquals(10_000, fs.write(disk, data, 12345).join());
        assertEquals(0, data.position(), "the caller's buffer must not move");
        ByteBuffer back = ByteBuffer.allocateDirect(10_000);
        assertEquals(10_000, fs.read(disk, back, 12345).join());
        assertEquals(data, back);
        fs.fsync(disk).join();
        byte[] onDisk = Files.readAllBytes(file);
        byte[] expected = new byte[10_000];
        data.get(0, expected);
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(onDisk, 12345, 12345 + 10_000));
    }

    @Test
    void readsStopAtTheEndAndWritesPastItFail() throws FsException {
        OpenFile disk = open("disk.raw", true);
        ByteBuffer buf = ByteBuffer.allocateDirect(8192);
        assertEquals(4096, fs.read(disk, buf, SIZE - 4096).join());
        assertEquals(0, fs.read(disk, buf, SIZE).join());
        assertEquals(4096, fs.write(disk, buf, SIZE - 4096).join(), "the part that fits is written");
        assertEquals(Errno.ENOSPC, errno(fs.write(disk, buf, SIZE)));
    }

    @Test
    void fallocateModes() throws Exception {
        OpenFile disk = open("disk.raw", true);
        ByteBuffer ones = ByteBuffer.allocateDirect(SIZE);
        while (ones.hasRemaining()) {
            ones.put((byte) 1);
        }
        ones.flip();
        fs.write(disk, ones, 0).join();
        fs.fallocate(disk, ImageFileSystem.FALLOC_FL_PUNCH_HOLE | ImageFileSystem.FALLOC_FL_KEEP_SIZE, 4096, 8192)
                .join();
        fs.fallocate(disk, ImageFileSystem.FALLOC_FL_ZERO_RANGE, 65536, 100).join();
        fs.fallocate(disk, 0, 0, SIZE).join(); // allocating inside the disk: nothing to do
        assertEquals(Errno.EFBIG, errno(fs.fallocate(disk, 0, 0, SIZE + 1)));
        assertEquals(Errno.EOPNOTSUPP, errno(fs.fallocate(disk, ImageFileSystem.FALLOC_FL_PUNCH_HOLE, 0, 10)));
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
        Node disk = fs.resolve("/disk.raw");
        fs.truncate(disk, SIZE);
        assertEquals(Errno.EPERM, assertThrows(FsException.class, () -> fs.truncate(disk, 0)).errno());
    }

    @Test
    void readOnlyLayoutRefusesWrites() throws Exception {
        ImageFileSystem ro = new ImageFileSystem(MountLayout.of(image, false), 0, 0, 0);
        Node disk = ro.resolve("/disk.raw");
        assertEquals(0444, ro.attributes(disk).permissions());
        assertEquals(Errno.EROFS, assertThrows(FsException.class, () -> ro.open(disk, true)).errno());
        OpenFile reader = ro.open(disk, false);
        assertEquals(Errno.EROFS, errno(ro.write(reader, ByteBuffer.allocate(1), 0)));
        ro.release(reader);
        assertEquals(Errno.EBADF, assertThrows(FsException.class, () -> ro.openFile(reader.id())).errno());
    }

    @Test
    void aFileOpenedForReadingCannotBeWritten() throws FsException {
        OpenFile reader = open("disk.raw", false);
        assertEquals(Errno.EBADF, errno(fs.write(reader, ByteBuffer.allocate(1), 0)));
    }

    /** st_blocks and SEEK_DATA/SEEK_HOLE follow the image's allocation, and writes move them. */
    @Test
    void allocationAndSeekFollowTheHoles() throws Exception {
        OpenFile disk = open("disk.raw", true);
        Node node = disk.node();
        assertEquals(0, fs.attributes(node).blocks(), "a new sparse image stores nothing");
        assertEquals(Errno.ENXIO, errno(fs.seek(disk, 0, true)), "no data at all");
        assertEquals(0L, fs.seek(disk, 0, false).join());
        fs.write(disk, ByteBuffer.allocateDirect(8192).put(0, (byte) 1), 65536).join();
        assertEquals(8192 / 512, fs.attributes(node).blocks(), "the count follows the write");
        assertEquals(65536L, fs.seek(disk, 0, true).join());
        assertEquals(65536L + 8192, fs.seek(disk, 65536, false).join());
        assertEquals(70000L, fs.seek(disk, 70000, true).join(), "inside data, SEEK_DATA stays");
        assertEquals(65536L + 8192, fs.seek(disk, 65536 + 8192, false).join(), "inside a hole, SEEK_HOLE stays");
        assertEquals(Errno.ENXIO, errno(fs.seek(disk, 65536 + 8192, true)), "only holes up to the end");
        fs.write(disk, ByteBuffer.allocateDirect(4096).put(0, (byte) 1), SIZE - 4096).join();
        assertEquals((long) SIZE, fs.seek(disk, SIZE - 4096, false).join(), "the end of the file is a hole");
        assertEquals(Errno.ENXIO, errno(fs.seek(disk, SIZE, false)));
        fs.fallocate(disk, ImageFileSystem.FALLOC_FL_PUNCH_HOLE | ImageFileSystem.FALLOC_FL_KEEP_SIZE, 65536, 8192)
                .join();
        assertEquals(4096 / 512, fs.attributes(node).blocks(), "the punched hole is counted out");
    }

    private OpenFile open(String name, boolean forWriting) throws FsException {
        return fs.open(fs.lookup(fs.root(), name), forWriting);
    }

    private static List<String> names(List<Node> nodes) {
        return nodes.stream().map(Node::name).toList();
    }

    /** The errno a future failed with (the test fails if it succeeded). */
    static int errno(CompletableFuture<?> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        return assertInstanceOf(FsException.class, ErrnoMapping.unwrap(e)).errno();
    }
}
