package org.aiofs.fs;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.aiofs.aio.Futures;
import org.aiofs.aio.engine.CacheMode;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.fs.layout.DirectoryNode;
import org.aiofs.fs.layout.GeneratedFileNode;
import org.aiofs.fs.layout.ImageFileNode;
import org.aiofs.fs.layout.MountLayout;
import org.aiofs.fs.layout.Node;
import org.aiofs.fs.log.ServerLog;
import org.aiofs.image.BlockImage;

/**
 * The filesystem's logic, free of any FUSE binding: path lookup, attributes, and
 * read/write/fsync/fallocate on the image behind each file. Every failure is an
 * {@link FsException} carrying the errno to answer with.
 */
public final class ImageFileSystem {
    /** fallocate(2) mode bits. */
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;

    private final MountLayout layout;
    private final CacheMode cache;
    private final DirectoryNode root;
    /** Content of generated files as it was when each was opened, by handle. */
    private final Map<Long, byte[]> openGenerated = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final int uid;
    private final int gid;
    private final long mountedAtSeconds;
    private final IoCounters counters = new IoCounters();
    private volatile long modifiedSeconds;

    public ImageFileSystem(MountLayout layout, int uid, int gid, long modifiedSeconds) {
        this(layout, uid, gid, modifiedSeconds, CacheMode.WRITEBACK);
    }

    /**
     * @param cache QEMU's cache mode: writethrough/directsync flush after every write, unsafe
     *              ignores fsync (the O_DIRECT part is the image file's business)
     */
    public ImageFileSystem(MountLayout layout, int uid, int gid, long modifiedSeconds, CacheMode cache) {
        this.layout = layout;
        this.cache = cache;
        this.root = layout.root();
        this.uid = uid;
        this.gid = gid;
        this.mountedAtSeconds = modifiedSeconds;
        this.modifiedSeconds = modifiedSeconds;
    }

    public IoCounters counters() {
        return counters;
    }

    public Node lookup(String path) throws FsException {
        Node node = root;
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (!(node instanceof DirectoryNode dir)) {
                throw new FsException(Errno.ENOTDIR, path + ": not a directory");
            }
            node = dir.child(part);
            if (node == null) {
                throw new FsException(Errno.ENOENT, path + ": no such entry");
            }
        }
        return node;
    }

    public FileAttributes attributes(String path) throws FsException {
        Node node = lookup(path);
        if (node instanceof ImageFileNode file) {
            return new FileAttributes(false, file.image().size(), file.writable() ? 0644 : 0444, uid, gid,
                    modifiedSeconds);
        }
        if (node instanceof GeneratedFileNode generated) {
            return new FileAttributes(false, generated.content().get().length, 0444, uid, gid,
                    System.currentTimeMillis() / 1000);
        }
        return new FileAttributes(true, 0, 0755, uid, gid, mountedAtSeconds);
    }

    public List<String> list(String path) throws FsException {
        if (!(lookup(path) instanceof DirectoryNode dir)) {
            throw new FsException(Errno.ENOTDIR, path + ": not a directory");
        }
        List<String> names = new ArrayList<>();
        dir.children().forEach(child -> names.add(child.name()));
        return names;
    }

    /**
     * Checks that the file may be opened as asked and returns a handle for it: 0 for image
     * files, a fresh one for generated files, whose content is fixed at open.
     */
    public long open(String path, boolean forWriting) throws FsException {
        Node node = lookup(path);
        if (node instanceof DirectoryNode) {
            throw new FsException(Errno.EISDIR, path + ": is a directory");
        }
        if (node instanceof GeneratedFileNode generated) {
            if (forWriting) {
                throw new FsException(Errno.EACCES, path + ": generated, read-only");
            }
            long handle = nextHandle.getAndIncrement();
            openGenerated.put(handle, generated.content().get());
            return handle;
        }
        if (forWriting && !((ImageFileNode) node).writable()) {
            throw new FsException(Errno.EROFS, path + ": read-only");
        }
        return 0;
    }

    public void release(long handle) {
        if (handle != 0) {
            openGenerated.remove(handle);
        }
    }

    /** Reads up to {@code dst.remaining()} bytes; fewer only at the end of the file. */
    public int read(String path, long handle, ByteBuffer dst, long offset) throws FsException {
        byte[] generated = handle != 0 ? openGenerated.get(handle) : null;
        if (generated != null) {
            return readGenerated(generated, dst, offset);
        }
        ImageFileNode file = imageFile(path);
        BlockImage image = file.image();
        if (offset < 0) {
            throw new FsException(Errno.EINVAL, path + ": negative offset");
        }
        int length = (int) Math.max(0, Math.min(dst.remaining(), image.size() - offset));
        if (length == 0) {
            return 0;
        }
        ByteBuffer slice = dst.duplicate();
        slice.limit(slice.position() + length);
        run(() -> Futures.await(image.read(offset, slice)));
        counters.reads.increment();
        counters.bytesRead.add(length);
        return length;
    }

    /** Reads with no open handle: generated files are rendered afresh. */
    public int read(String path, ByteBuffer dst, long offset) throws FsException {
        if (lookup(path) instanceof GeneratedFileNode generated) {
            return readGenerated(generated.content().get(), dst, offset);
        }
        return read(path, 0, dst, offset);
    }

    private static int readGenerated(byte[] content, ByteBuffer dst, long offset) {
        if (offset >= content.length) {
            return 0;
        }
        int length = (int) Math.min(dst.remaining(), content.length - offset);
        dst.duplicate().put(content, (int) offset, length);
        return length;
    }

    /** Writes what fits before the end of the disk; a write that starts at or past it fails with ENOSPC. */
    public int write(String path, ByteBuffer src, long offset) throws FsException {
        ImageFileNode file = writableFile(path);
        BlockImage image = file.image();
        if (offset < 0) {
            throw new FsException(Errno.EINVAL, path + ": negative offset");
        }
        if (src.remaining() == 0) {
            return 0;
        }
        if (offset >= image.size()) {
            throw new FsException(Errno.ENOSPC, path + ": write past the end of the disk");
        }
        int length = (int) Math.min(src.remaining(), image.size() - offset);
        ByteBuffer slice = src.duplicate();
        slice.limit(slice.position() + length);
        run(() -> {
            Futures.await(image.write(offset, slice));
            if (cache.writeThrough()) {
                Futures.await(image.flush());
            }
        });
        counters.writes.increment();
        counters.bytesWritten.add(length);
        modifiedSeconds = System.currentTimeMillis() / 1000;
        if (file == layout.diskNode()) {
            layout.diskWritten(offset, length);
        }
        return length;
    }

    public void fsync(String path) throws FsException {
        if (lookup(path) instanceof GeneratedFileNode || cache.ignoreFlush()) {
            return;
        }
        ImageFileNode file = imageFile(path);
        if (!file.writable()) {
            return;
        }
        run(() -> Futures.await(file.image().flush()));
        counters.flushes.increment();
    }

    /**
     * fallocate(2): punch hole and zero range become write-zeroes on the image; plain
     * allocation inside the disk succeeds (a disk's size is fixed); anything else is refused.
     */
    public void fallocate(String path, int mode, long offset, long length) throws FsException {
        ImageFileNode file = writableFile(path);
        BlockImage image = file.image();
        if (offset < 0 || length <= 0) {
            throw new FsException(Errno.EINVAL, path + ": bad fallocate range");
        }
        boolean punch = (mode & FALLOC_FL_PUNCH_HOLE) != 0;
        boolean zero = (mode & FALLOC_FL_ZERO_RANGE) != 0;
        boolean keepSize = (mode & FALLOC_FL_KEEP_SIZE) != 0;
        int known = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE;
        if ((mode & ~known) != 0 || (punch && (zero || !keepSize))) {
            throw new FsException(Errno.EOPNOTSUPP, path + ": fallocate mode " + mode + " not supported");
        }
        long end = offset + length;
        if (!punch && !zero) {
            if (end > image.size() && !keepSize) {
                throw new FsException(Errno.EFBIG, path + ": a disk image cannot grow");
            }
            return;
        }
        long clampedEnd = Math.min(end, image.size());
        if (clampedEnd > offset) {
            run(() -> Futures.await(image.writeZeroes(offset, clampedEnd - offset, punch)));
            counters.zeroings.increment();
            modifiedSeconds = System.currentTimeMillis() / 1000;
            if (file == layout.diskNode()) {
                layout.diskWritten(offset, clampedEnd - offset);
            }
        }
        if (zero && !keepSize && end > image.size()) {
            throw new FsException(Errno.EFBIG, path + ": a disk image cannot grow");
        }
    }

    /** A disk's size is fixed: truncating to its own size is allowed (O_TRUNC-free tools do it), nothing else. */
    public void truncate(String path, long size) throws FsException {
        ImageFileNode file = writableFile(path);
        if (size != file.image().size()) {
            throw new FsException(Errno.EPERM, path + ": cannot change the size of a disk image");
        }
    }

    /** The whole disk's size, for statfs (partitions and snapshots are views, not more space). */
    public long totalBytes() {
        return layout.diskNode().image().size();
    }

    private ImageFileNode imageFile(String path) throws FsException {
        Node node = lookup(path);
        if (node instanceof ImageFileNode file) {
            return file;
        }
        if (node instanceof GeneratedFileNode) {
            throw new FsException(Errno.EACCES, path + ": generated, read-only");
        }
        throw new FsException(Errno.EISDIR, path + ": is a directory");
    }

    private ImageFileNode writableFile(String path) throws FsException {
        ImageFileNode file = imageFile(path);
        if (!file.writable()) {
            throw new FsException(Errno.EROFS, path + ": read-only");
        }
        return file;
    }

    private interface IoAction {
        void run() throws Exception;
    }

    /** Runs one image call, counting it in flight and turning its failure into an errno. */
    private void run(IoAction action) throws FsException {
        counters.inFlight.increment();
        try {
            action.run();
        } catch (Exception | OutOfMemoryError e) {
            counters.errors.increment();
            ServerLog.error(String.valueOf(e.getMessage()));
            throw new FsException(ErrnoMapping.errnoOf(e), String.valueOf(e.getMessage()));
        } finally {
            counters.inFlight.decrement();
        }
    }
}
