package org.aiofs.fs.fuse;

import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;

import com.kenai.jffi.MemoryIO;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.fs.FileAttributes;
import org.aiofs.fs.FsException;
import org.aiofs.fs.ImageFileSystem;
import org.aiofs.fs.log.ServerLog;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * libfuse 2 (through jnr-fuse) in front of {@link ImageFileSystem}: translation only.
 * Data moves between the kernel's FUSE buffer and the engine without a copy: the native
 * buffer is wrapped as a direct ByteBuffer. Operations left out here are not registered
 * with libfuse (jnr-fuse's @NotImplemented stubs), so the kernel answers ENOSYS for them.
 */
public final class JnrFuseBinding extends FuseStubFS {
    private static final int O_ACCMODE = 3;
    private static final int O_RDONLY = 0;
    private static final int BLOCK_SIZE = 4096;
    /** struct fuse_file_info (libfuse 2, 64-bit): int flags; unsigned long fh_old; int writepage; bitfield. */
    private static final int FILE_INFO_BITFIELD_OFFSET = 20;
    private static final int DIRECT_IO_BIT = 1;

    private final ImageFileSystem fs;
    private final String fsName;
    private final CountDownLatch initialized = new CountDownLatch(1);

    public JnrFuseBinding(ImageFileSystem fs, String fsName) {
        this.fs = fs;
        this.fsName = fsName;
    }

    /** Counted down once the kernel's INIT has been answered: from then on the mount serves requests. */
    public CountDownLatch initialized() {
        return initialized;
    }

    /** The serving loop has returned: nothing is left for jnr-fuse's own shutdown hook to unmount. */
    public void markUnmounted() {
        mounted.set(false);
    }

    @Override
    protected String getFSName() {
        return fsName;
    }

    @Override
    public Pointer init(Pointer conn) {
        initialized.countDown();
        return null;
    }

    @Override
    public int getattr(String path, FileStat stat) {
        try {
            FileAttributes a = fs.attributes(path);
            stat.st_mode.set((a.directory() ? FileStat.S_IFDIR : FileStat.S_IFREG) | a.permissions());
            stat.st_nlink.set(a.directory() ? 2 : 1);
            stat.st_size.set(a.size());
            stat.st_blksize.set(BLOCK_SIZE);
            stat.st_blocks.set((a.size() + 511) / 512);
            stat.st_uid.set(a.uid());
            stat.st_gid.set(a.gid());
            stat.st_mtim.tv_sec.set(a.modifiedSeconds());
            stat.st_ctim.tv_sec.set(a.modifiedSeconds());
            stat.st_atim.tv_sec.set(a.modifiedSeconds());
            return 0;
        } catch (FsException e) {
            return -e.errno();
        }
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, @off_t long offset, FuseFileInfo fi) {
        try {
            var names = fs.list(path);
            filler.apply(buf, ".", null, 0);
            filler.apply(buf, "..", null, 0);
            for (String name : names) {
                filler.apply(buf, name, null, 0);
            }
            return 0;
        } catch (FsException e) {
            return -e.errno();
        }
    }

    @Override
    public int opendir(String path, FuseFileInfo fi) {
        try {
            fs.list(path);
            return 0;
        } catch (FsException e) {
            return -e.errno();
        }
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        try {
            fi.fh.set(fs.open(path, (fi.flags.get() & O_ACCMODE) != O_RDONLY));
            setDirectIo(fi);
            return 0;
        } catch (FsException e) {
            return -e.errno();
        }
    }

    /**
     * Every file bypasses the kernel's page cache for FUSE files: disk.raw and partN.raw show the
     * same bytes, and a cached page of one would go stale when the other is written. (The image
     * file itself stays in the host page cache.) jnr-fuse's FuseFileInfo lacks libfuse 2's
     * {@code int writepage}, so its direct_io field is misplaced: the bit is set at its real
     * offset, the bitfield after flags, fh_old and writepage.
     */
    private static void setDirectIo(FuseFileInfo fi) {
        Pointer memory = Struct.getMemory(fi);
        memory.putInt(FILE_INFO_BITFIELD_OFFSET, memory.getInt(FILE_INFO_BITFIELD_OFFSET) | DIRECT_IO_BIT);
    }

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        try {
            return fs.read(path, fi.fh.get(), wrap(buf, size), offset);
        } catch (FsException e) {
            return -e.errno();
        }
    }

    @Override
    public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        try {
            return fs.write(path, wrap(buf, size), offset);
        } catch (FsException e) {
            return -e.errno();
        }
    }

    /** close(2) of one descriptor: nothing to do, durability is fsync's job (as on a block device). */
    @Override
    public int flush(String path, FuseFileInfo fi) {
        return 0;
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        fs.release(fi.fh.get());
        return 0;
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        try {
            fs.fsync(path);
            return 0;
        } catch (FsException e) {
            return -e.errno();
        }
    }

    @Override
    public int fallocate(String path, int mode, @off_t long off, @off_t long length, FuseFileInfo fi) {
        try {
            fs.fallocate(path, mode, off, length);
            return 0;
        } catch (FsException e) {
            return -e.errno();
        }
    }

    @Override
    public int truncate(String path, @off_t long size) {
        try {
            fs.truncate(path, size);
            return 0;
        } catch (FsException e) {
            return -e.errno();
        }
    }

    @Override
    public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
        return truncate(path, size);
    }

    /** Times are not stored: accept touch/cp -p instead of failing them. */
    @Override
    public int utimens(String path, Timespec[] timespec) {
        try {
            fs.lookup(path);
            return 0;
        } catch (FsException e) {
            return -e.errno();
        }
    }

    @Override
    public int statfs(String path, Statvfs stbuf) {
        long blocks = fs.totalBytes() / BLOCK_SIZE;
        stbuf.f_bsize.set(BLOCK_SIZE);
        stbuf.f_frsize.set(BLOCK_SIZE);
        stbuf.f_blocks.set(blocks);
        stbuf.f_bfree.set(0);
        stbuf.f_bavail.set(0);
        stbuf.f_files.set(0);
        stbuf.f_ffree.set(0);
        stbuf.f_namemax.set(255);
        return 0;
    }

    @Override
    public void destroy(Pointer initResult) {
        ServerLog.info("filesystem released by the kernel");
    }

    private static ByteBuffer wrap(Pointer buf, long size) throws FsException {
        if (size > Integer.MAX_VALUE) {
            throw new FsException(Errno.EINVAL, "request of " + size + " bytes");
        }
        return MemoryIO.getInstance().newDirectByteBuffer(buf.address(), (int) size);
    }
}
