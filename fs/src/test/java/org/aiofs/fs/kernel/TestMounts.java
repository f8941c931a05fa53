package org.aiofs.fs.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.aio.nativeio.Native;

/**
 * What the session tests do to the mount they serve: read a byte of disk.raw, queue direct
 * reads on it, find and abort its connection.
 */
final class TestMounts {
    private static final int MNT_FORCE_DETACH = 1 | 2;

    private TestMounts() {
    }

    static byte readByte(Path mnt, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(mnt.resolve("disk.raw"))) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            return b.get(0);
        }
    }

    /** fio with one queue of {@code depth} 4 KiB O_DIRECT reads (libaio) on disk.raw, each sent once. */
    static Process directReads(Path mnt, int depth) throws IOException {
        return new ProcessBuilder("fio", "--name=queue", "--filename=" + mnt.resolve("disk.raw"), "--rw=randread",
                "--bs=4k", "--direct=1", "--ioengine=libaio", "--iodepth=" + depth, "--number_ios=" + depth,
                "--size=16M", "--norandommap", "--output=/dev/null").redirectErrorStream(true).start();
    }

    /** The FUSE connection number of a mount (the minor of its device, as mountinfo gives it). */
    static String connectionOf(Path mountPoint) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f[4].equals(mountPoint.toString())) {
                return f[2].split(":")[1];
            }
        }
        throw new IOException(mountPoint + " is not mounted");
    }

    /**
     * A session that did not end: abort its connection so that nothing stays hung. Through the
     * FUSE control file system when it is mounted (it is not everywhere), else
     * umount2(MNT_FORCE | MNT_DETACH), which aborts too.
     */
    static void abort(Path mnt, String connection) throws IOException {
        Path abort = Path.of("/sys/fs/fuse/connections", connection, "abort");
        if (Files.exists(abort)) {
            Files.writeString(abort, "1");
        } else if (Native.libc().umount2(mnt.toString(), MNT_FORCE_DETACH) != 0) {
            throw new IOException("umount2(MNT_FORCE | MNT_DETACH) of " + mnt + " failed: errno " + Native.errno());
        }
    }
}
