package org.aiofs.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.aiofs.aio.engine.CacheMode;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.fs.layout.DirectoryNode;
import org.aiofs.fs.layout.GeneratedFileNode;
import org.aiofs.fs.layout.ImageFileNode;
import org.aiofs.fs.layout.MountLayout;
import org.aiofs.fs.layout.Node;
import org.aiofs.fs.log.ServerLog;
import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;

/**
 * The filesystem's logic, the one seam every transport serves: nodes with stable inode
 * numbers (lookup of a name in a directory, attributes, listing), files opened into
 * {@link OpenFile} handles that pin what they were opened on, and I/O on those handles that
 * completes asynchronously, so a transport never parks a thread per request in flight.
 * Nothing here knows FUSE. Every failure is an {@link FsException} carrying the errno to
 * answer with (futures fail with one; {@link ErrnoMapping} finds it under wrappers).
 *
 * <p>No image call is made from an engine's completion thread: the image may wait on its
 * engine there (qcow2 allocation does), which would wait on itself. Continuations that call
 * the image again (writethrough's flush, re-reading a rewritten partition table) run on
 * this filesystem's own threads.
 */
public final class ImageFileSystem implements AutoCloseable {
    /** fallocate(2) mode bits. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    private final MountLayout layout;
    private final CacheMode cache;
    private final DirectoryNode root;
    private final Map<Long, OpenFile> openFiles = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final int uid;
    private final int gid;
    private final long mountedAtSeconds;
    private final IoCounters counters = new IoCounters();
    private final AllocatedBytes allocated = new AllocatedBytes();
    private final ExecutorService continuations = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "aiofs-fs");
        t.setDaemon(true);
        return t;
    });
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

    public DirectoryNode root() {
        return root;
    }

    // ---- nodes -------------------------------------------------------------------------

    /** The entry {@code name} of directory {@code dir} as the layout has it now. */
    public Node lookup(Node dir, String name) throws FsException {
        if (!(dir instanceof DirectoryNode directory)) {
            throw new FsException(Errno.ENOTDIR, dir.name() + ": not a directory");
        }
        Node child = directory.child(name);
        if (child == null) {
            throw new FsException(Errno.ENOENT, name + ": no such entry");
        }
        return child;
    }

    /** The node at a path from the root ("/part1.raw"), for path-based transports. */
    public Node resolve(String path) throws FsException {
        Node node = root;
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (!(node instanceof DirectoryNode)) {
                throw new FsException(Errno.ENOTDIR, path + ": not a directory");
            }
            try {
                node = lookup(node, part);
            } catch (FsException e) {
                throw new FsException(e.errno(), path + ": no such entry");
            }
        }
        return node;
    }

    /** A directory's entries, in layout order ("." and ".." are the transport's business). */
    public List<Node> list(Node dir) throws FsException {
        if (!(dir instanceof DirectoryNode directory)) {
            throw new FsException(Errno.ENOTDIR, dir.name() + ": not a directory");
        }
        return new ArrayList<>(directory.children());
    }

    public FileAttributes attributes(Node node) throws FsException {
        if (node instanceof ImageFileNode file) {
            BlockImage image = file.image();
            return new FileAttributes(file.inode(), false, image.size(), allocated.of(image),
                    file.writable() ? 0644 : 0444, uid, gid, modifiedSeconds);
        }
        if (node instanceof GeneratedFileNode generated) {
            long length = generated.content().get().length;
            return new FileAttributes(generated.inode(), false, length, length, 0444, uid, gid,
                    System.currentTimeMillis() / 1000);
        }
        return new FileAttributes(node.inode(), true, 0, 0, 0755, uid, gid, mountedAtSeconds);
    }

    /** A disk's size is fixed: truncating to its own size is allowed (O_TRUNC-free tools do it), nothing else. */
    public void truncate(Node node, long size) throws FsException {
        ImageFileNode file = imageFile(node);
        writable(file);
        if (size != file.image().size()) {
            throw new FsException(Errno.EPERM, file.name() + ": cannot change the size of a disk image");
        }
    }

    /** The whole disk's size, for statfs (partitions and snapshots are views, not more space). */
    public long totalBytes() {
        return layout.diskNode().image().size();
    }

    // ---- open files --------------------------------------------------------------------

    /**
     * Opens a file: the handle pins the node (for an image file, its image and extent; for a
     * generated file, its content as it is now) until {@link #release}.
     */
    public OpenFile open(Node node, boolean forWriting) throws FsException {
        if (node instanceof DirectoryNode) {
            throw new FsException(Errno.EISDIR, node.name() + ": is a directory");
        }
        byte[] content = null;
        if (node instanceof GeneratedFileNode generated) {
            if (forWriting) {
                throw new FsException(Errno.EACCES, node.name() + ": generated, read-only");
            }
            content = generated.content().get();
        } else if (forWriting) {
            writable((ImageFileNode) node);
        }
        OpenFile file = new OpenFile(nextHandle.getAndIncrement(), node, forWriting, content);
        openFiles.put(file.id(), file);
        return file;
    }

    /** The open file with this handle number. */
    public OpenFile openFile(long handle) throws FsException {
        OpenFile file = openFiles.get(handle);
        if (file == null) {
            throw new FsException(Errno.EBADF, "no open file with handle " + handle);
        }
        return file;
    }

    public void release(OpenFile file) {
        openFiles.remove(file.id());
    }

    public int openFileCount() {
        return openFiles.size();
    }

    // ---- I/O on open files -------------------------------------------------------------

    /** Reads up to {@code dst.remaining()} bytes; fewer only at the end of the file. */
    public CompletableFuture<Integer> read(OpenFile file, ByteBuffer dst, long offset) {
        if (offset < 0) {
            return failed(Errno.EINVAL, file + ": negative offset");
        }
        byte[] content = file.content();
        if (content != null) {
            return CompletableFuture.completedFuture(readGenerated(content, dst, offset));
        }
        BlockImage image = file.imageFile().image();
        int length = (int) Math.max(0, Math.min(dst.remaining(), image.size() - offset));
        if (length == 0) {
            return CompletableFuture.completedFuture(0);
        }
        ByteBuffer slice = dst.duplicate();
        slice.limit(slice.position() + length);
        return track(() -> image.read(offset, slice)).thenApply(v -> {
            counters.reads.increment();
            counters.bytesRead.add(length);
            return length;
        });
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
    public CompletableFuture<Integer> write(OpenFile file, ByteBuffer src, long offset) {
        ImageFileNode node;
        try {
            node = writableHandle(file);
        } catch (FsException e) {
            return CompletableFuture.failedFuture(e);
        }
        BlockImage image = node.image();
        if (offset < 0) {
            return failed(Errno.EINVAL, file + ": negative offset");
        }
        if (src.remaining() == 0) {
            return CompletableFuture.completedFuture(0);
        }
        if (offset >= image.size()) {
            return failed(Errno.ENOSPC, file + ": write past the end of the disk");
        }
        int length = (int) Math.min(src.remaining(), image.size() - offset);
        ByteBuffer slice = src.duplicate();
        slice.limit(slice.position() + length);
        CompletableFuture<Void> done = track(() -> image.write(offset, slice));
        if (cache.writeThrough()) {
            done = done.thenComposeAsync(v -> track(image::flush), continuations);
        }
        return afterChange(node, offset, length, done).thenApply(v -> {
            counters.writes.increment();
            counters.bytesWritten.add(length);
            return length;
        });
    }

    /** Makes completed writes durable (nothing to do for read-only files or with cache=unsafe). */
    public CompletableFuture<Void> fsync(OpenFile file) {
        ImageFileNode node = file.imageFile();
        if (node == null || !node.writable() || cache.ignoreFlush()) {
            return CompletableFuture.completedFuture(null);
        }
        return track(node.image()::flush).thenRun(counters.flushes::increment);
    }

    /**
     * fallocate(2): punch hole and zero range become write-zeroes on the image; plain
     * allocation inside the disk succeeds (a disk's size is fixed); anything else is refused.
     */
    public CompletableFuture<Void> fallocate(OpenFile file, int mode, long offset, long length) {
        ImageFileNode node;
        try {
            node = writableHandle(file);
        } catch (FsException e) {
            return CompletableFuture.failedFuture(e);
        }
        BlockImage image = node.image();
        if (offset < 0 || length <= 0) {
            return failed(Errno.EINVAL, file + ": bad fallocate range");
        }
        boolean punch = (mode & FALLOC_FL_PUNCH_HOLE) != 0;
        boolean zero = (mode & FALLOC_FL_ZERO_RANGE) != 0;
        boolean keepSize = (mode & FALLOC_FL_KEEP_SIZE) != 0;
        int known = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE;
        if ((mode & ~known) != 0 || (punch && (zero || !keepSize))) {
            return failed(Errno.EOPNOTSUPP, file + ": fallocate mode " + mode + " not supported");
        }
        long end = offset + length;
        boolean grows = end > image.size() && !keepSize;
        if (!punch && !zero) {
            return grows ? failed(Errno.EFBIG, file + ": a disk image cannot grow")
                    : CompletableFuture.completedFuture(null);
        }
        long clampedEnd = Math.min(end, image.size());
        CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
        if (clampedEnd > offset) {
            done = afterChange(node, offset, clampedEnd - offset,
                    track(() -> image.writeZeroes(offset, clampedEnd - offset, punch)))
                    .thenRun(counters.zeroings::increment);
        }
        if (zero && grows) {
            return done.thenCompose(v -> failed(Errno.EFBIG, file + ": a disk image cannot grow"));
        }
        return done;
    }

    /**
     * lseek(SEEK_DATA) ({@code data}) or lseek(SEEK_HOLE) from the image's block status:
     * stored data is data; holes and zero clusters are holes, and the end of the file is one.
     * From at or past the end: ENXIO, as on any Linux file.
     */
    public CompletableFuture<Long> seek(OpenFile file, long offset, boolean data) {
        byte[] content = file.content();
        long size = content != null ? content.length : file.imageFile().image().size();
        if (offset < 0) {
            return failed(Errno.EINVAL, file + ": negative offset");
        }
        if (offset >= size) {
            return failed(Errno.ENXIO, file + ": offset " + offset + " is at or past the end");
        }
        if (content != null) {
            return CompletableFuture.completedFuture(data ? offset : size);
        }
        BlockImage image = file.imageFile().image();
        try {
            for (long pos = offset; pos < size; ) {
                BlockStatus s = image.blockStatus(pos, size - pos);
                if (s.length() <= 0) {
                    throw new IOException(image.name() + ": block status at offset " + pos + " reported an empty run");
                }
                if ((s.kind() == BlockStatus.Kind.DATA) == data) {
                    return CompletableFuture.completedFuture(pos);
                }
                pos += s.length();
            }
        } catch (IOException | RuntimeException e) {
            counters.errors.increment();
            ServerLog.error(String.valueOf(e.getMessage()));
            return CompletableFuture.failedFuture(new FsException(ErrnoMapping.errnoOf(e),
                    String.valueOf(e.getMessage())));
        }
        return data ? failed(Errno.ENXIO, file + ": no data after offset " + offset)
                : CompletableFuture.completedFuture(size);
    }

    /**
     * The kernel wrote to this file without aiofs (FUSE passthrough, on the image file itself):
     * allocation counts are stale, the file's times move, and disk.raw's partition table is
     * read again (fdisk writes it through disk.raw, then fsyncs and closes).
     */
    public CompletableFuture<Void> changedByKernel(OpenFile file) {
        ImageFileNode node = file.imageFile();
        if (node == null) {
            return CompletableFuture.completedFuture(null);
        }
        return afterChange(node, 0, node.image().size(), CompletableFuture.completedFuture(null));
    }

    /** Stops the continuation threads; the image is its owner's to close. */
    @Override
    public void close() {
        continuations.shutdown();
    }

    // ---- helpers -----------------------------------------------------------------------

    /**
     * After a write or zeroing: every allocation count is stale, the file's times move, and a
     * change to disk.raw where the partition table lives makes the layout read it again
     * before the request completes (fdisk's next look sees the new partition files).
     */
    private CompletableFuture<Void> afterChange(ImageFileNode node, long offset, long length,
                                                CompletableFuture<Void> change) {
        CompletableFuture<Void> done = change.whenComplete((v, e) -> {
            allocated.changed();
            modifiedSeconds = System.currentTimeMillis() / 1000;
        });
        if (node == layout.diskNode() && layout.touchesTable(offset, length)) {
            return done.thenRunAsync(layout::readPartitions, continuations);
        }
        return done;
    }

    private ImageFileNode imageFile(Node node) throws FsException {
        if (node instanceof ImageFileNode file) {
            return file;
        }
        if (node instanceof GeneratedFileNode) {
            throw new FsException(Errno.EACCES, node.name() + ": generated, read-only");
        }
        throw new FsException(Errno.EISDIR, node.name() + ": is a directory");
    }

    private static void writable(ImageFileNode file) throws FsException {
        if (!file.writable()) {
            throw new FsException(Errno.EROFS, file.name() + ": read-only");
        }
    }

    private ImageFileNode writableHandle(OpenFile file) throws FsException {
        ImageFileNode node = imageFile(file.node());
        writable(node);
        if (!file.writable()) {
            throw new FsException(Errno.EBADF, file + ": not open for writing");
        }
        return node;
    }

    private static <T> CompletableFuture<T> failed(int errno, String message) {
        return CompletableFuture.failedFuture(new FsException(errno, message));
    }

    /**
     * Runs one image call, counting it in flight; its failure (thrown or in the future) is
     * logged, counted and turned into an {@link FsException} with the errno to answer.
     */
    private CompletableFuture<Void> track(Supplier<CompletableFuture<Void>> call) {
        counters.inFlight.increment();
        CompletableFuture<Void> started;
        try {
            started = call.get();
        } catch (RuntimeException | OutOfMemoryError e) {
            started = CompletableFuture.failedFuture(e);
        }
        return started.handle((v, e) -> {
            counters.inFlight.decrement();
            if (e == null) {
                return null;
            }
            Throwable cause = ErrnoMapping.unwrap(e);
            if (cause instanceof FsException fs) {
                throw new CompletionException(fs);
            }
            counters.errors.increment();
            ServerLog.error(String.valueOf(cause.getMessage()));
            throw new CompletionException(
                    new FsException(ErrnoMapping.errnoOf(cause), String.valueOf(cause.getMessage())));
        });
    }
}
