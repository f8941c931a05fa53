package org.aiofs.fs.kernel;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

import org.aiofs.aio.nativeio.Errno;
import org.aiofs.fs.ErrnoMapping;
import org.aiofs.fs.FileAttributes;
import org.aiofs.fs.FsException;
import org.aiofs.fs.ImageFileSystem;
import org.aiofs.fs.OpenFile;
import org.aiofs.fs.log.ServerLog;
import org.aiofs.fs.layout.DirectoryNode;
import org.aiofs.fs.layout.InodeNumbers;
import org.aiofs.fs.layout.Node;

/**
 * Decodes each request after INIT and answers it from the {@link ImageFileSystem}. Node
 * operations (LOOKUP, GETATTR, READDIR, ...) are answered at once; I/O (READ, WRITE, FSYNC,
 * FALLOCATE) is handed to the image and answered when its future completes, on whatever
 * thread completes it, so the reading thread goes straight back to the device. Anything
 * else is answered ENOSYS, which also tells the kernel not to ask again (xattrs).
 */
final class RequestDispatcher implements RequestHandler {
    private static final int FATTR_MODE = 1 << 0;
    private static final int FATTR_UID = 1 << 1;
    private static final int FATTR_GID = 1 << 2;
    private static final int FATTR_SIZE = 1 << 3;
    private static final int O_ACCMODE = 3;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int STATFS_SIZE = 80;
    private static final int BLOCK_SIZE = 4096;

    private final ImageFileSystem fs;
    private final Connection connection;
    private final Passthrough passthrough;
    private final NodeTable nodes;
    private final Map<Long, DirectoryListing> listings = new ConcurrentHashMap<>();
    private final AtomicLong nextListing = new AtomicLong(1);
    private final Set<Integer> unknownOpcodesLogged = ConcurrentHashMap.newKeySet();
    private final AtomicLong interrupts = new AtomicLong();

    RequestDispatcher(ImageFileSystem fs, Connection connection) {
        this(fs, connection, Passthrough.off("not asked for"));
    }

    RequestDispatcher(ImageFileSystem fs, Connection connection, Passthrough passthrough) {
        this.passthrough = passthrough;
        this.fs = fs;
        this.connection = connection;
        this.nodes = new NodeTable(fs.root());
    }

    NodeTable nodes() {
        return nodes;
    }

    long interrupts() {
        return interrupts.get();
    }

    /** Names of the opcodes answered ENOSYS so far (beyond the xattr ones, which are meant to be). */
    List<String> unservedOpcodes() {
        return unknownOpcodesLogged.stream().sorted().map(FuseOpcode::name).toList();
    }

    /** Answers (or starts answering) one request; never throws. */
    @Override
    public void dispatch(FuseRequest r) {
        try {
            switch (r.opcode()) {
                case FuseOpcode.LOOKUP -> lookup(r);
                case FuseOpcode.FORGET -> forget(r);
                case FuseOpcode.BATCH_FORGET -> batchForget(r);
                case FuseOpcode.GETATTR -> getattr(r);
                case FuseOpcode.SETATTR -> setattr(r);
                case FuseOpcode.OPEN -> open(r);
                case FuseOpcode.READ -> read(r);
                case FuseOpcode.WRITE -> write(r);
                case FuseOpcode.FLUSH -> r.reply(0);
                case FuseOpcode.FSYNC -> fsync(r);
                case FuseOpcode.RELEASE -> release(r);
                case FuseOpcode.FALLOCATE -> whenDone(r,
                        fs.fallocate(file(r.argLong(0)), r.argInt(24), r.argLong(8), r.argLong(16)), v -> 0);
                case FuseOpcode.LSEEK -> lseek(r);
                case FuseOpcode.STATFS -> statfs(r);
                case FuseOpcode.OPENDIR -> opendir(r);
                case FuseOpcode.READDIR -> readdir(r, false);
                case FuseOpcode.READDIRPLUS -> readdir(r, true);
                case FuseOpcode.RELEASEDIR -> releasedir(r);
                case FuseOpcode.INTERRUPT -> interrupt(r);
                case FuseOpcode.DESTROY -> r.reply(0);
                case FuseOpcode.INIT -> {
                    ServerLog.error("FUSE: a second INIT (" + r + ") answered EPROTO");
                    r.replyError(Errno.EPROTO);
                }
                case FuseOpcode.GETXATTR, FuseOpcode.LISTXATTR, FuseOpcode.SETXATTR, FuseOpcode.REMOVEXATTR ->
                        r.replyError(Errno.ENOSYS); // no xattrs; ENOSYS makes the kernel stop asking
                default -> unknown(r);
            }
        } catch (FsException e) {
            r.replyError(e.errno());
        } catch (RuntimeException e) {
            ServerLog.error("FUSE: " + r + " failed: " + e);
            r.replyError(Errno.EIO);
        }
    }

    private Node node(FuseRequest r) throws FsException {
        Node n = nodes.get(r.nodeId());
        if (n == null) {
            throw new FsException(Errno.ENOENT, "node " + r.nodeId() + " is not known");
        }
        return n;
    }

    private OpenFile file(long handle) throws FsException {
        return fs.openFile(handle);
    }

    private void lookup(FuseRequest r) throws FsException {
        String name = r.argName(0);
        if (name == null) {
            throw new FsException(Errno.EINVAL, "LOOKUP without a name");
        }
        Node node = fs.lookup(node(r), name);
        FileAttributes a = fs.attributes(node);
        ByteBuffer out = r.replyRoom(FuseAttr.ENTRY_OUT_SIZE);
        FuseAttr.putEntry(out, 0, a);
        nodes.looked(node);
        r.reply(FuseAttr.ENTRY_OUT_SIZE);
    }

    private void forget(FuseRequest r) {
        nodes.forget(r.nodeId(), r.argLong(0));
        r.noReply();
    }

    private void batchForget(FuseRequest r) {
        int count = r.argInt(0);
        int fits = (r.argumentLength() - 8) / 16;
        for (int i = 0; i < Math.min(count, fits); i++) {
            nodes.forget(r.argLong(8 + 16 * i), r.argLong(16 + 16 * i));
        }
        r.noReply();
    }

    /**
     * The node id is enough: an open file's node is the one the kernel holds for it. (The
     * handle GETATTR and SETATTR may carry is not looked at: for a directory it is a listing's
     * number, which could name an unrelated open file.)
     */
    private void getattr(FuseRequest r) throws FsException {
        replyAttributes(r, node(r));
    }

    /**
     * Only the size may be "set", and only to itself (a disk's size is fixed); times are
     * accepted and not kept (touch, cp -p); owner and mode can't change.
     */
    private void setattr(FuseRequest r) throws FsException {
        int valid = r.argInt(0);
        Node node = node(r);
        if ((valid & (FATTR_MODE | FATTR_UID | FATTR_GID)) != 0) {
            throw new FsException(Errno.EPERM, node.name() + ": owner and mode are the image's");
        }
        if ((valid & FATTR_SIZE) != 0) {
            fs.truncate(node, r.argLong(16));
        }
        replyAttributes(r, node);
    }

    private void replyAttributes(FuseRequest r, Node node) throws FsException {
        FileAttributes a = fs.attributes(node);
        ByteBuffer out = r.replyRoom(FuseAttr.ATTR_OUT_SIZE);
        FuseAttr.putAttrOut(out, 0, a);
        r.reply(FuseAttr.ATTR_OUT_SIZE);
    }

    /**
     * Every open of a passed-through file carries the one backing id (the kernel refuses an
     * open of the inode without it). Without direct_io the kernel serves it; with direct_io
     * (writable opens when only reads are passed through) reads and writes come here, and
     * only mmap uses the backing file.
     */
    private void open(FuseRequest r) throws FsException {
        Node node = node(r);
        boolean forWriting = (r.argInt(0) & O_ACCMODE) != 0;
        OpenFile file = fs.open(node, forWriting);
        int backingId = passthrough.backingIdFor(node.inode());
        if (backingId != 0) {
            int flags = OpenReply.passthroughFlags();
            if (forWriting && !passthrough.writes()) {
                flags |= OpenReply.fileFlags(connection);
            }
            OpenReply.put(r.replyRoom(OpenReply.SIZE), file.id(), flags, backingId);
        } else {
            OpenReply.put(r.replyRoom(OpenReply.SIZE), file.id(), OpenReply.fileFlags(connection));
        }
        r.reply(OpenReply.SIZE);
    }

    /** A passed-through file written by the kernel: the layout learns of it when it is closed. */
    private void release(FuseRequest r) throws FsException {
        OpenFile file = file(r.argLong(0));
        fs.release(file);
        if (writtenByKernel(file)) {
            whenDone(r, fs.changedByKernel(file), v -> 0);
        } else {
            r.reply(0);
        }
    }

    /** The kernel's writes to a passed-through file are the host file's dirty pages: one fsync makes them durable. */
    private void fsync(FuseRequest r) throws FsException {
        OpenFile file = file(r.argLong(0));
        CompletableFuture<Void> synced = fs.fsync(file);
        if (writtenByKernel(file)) {
            synced = synced.thenCompose(v -> fs.changedByKernel(file));
        }
        whenDone(r, synced, v -> 0);
    }

    private boolean writtenByKernel(OpenFile file) {
        return file.writable() && passthrough.writes() && passthrough.backingIdFor(file.node().inode()) != 0;
    }

    /** The data goes from the engine straight into the request's buffer, and from there to the kernel. */
    private void read(FuseRequest r) throws FsException {
        OpenFile file = file(r.argLong(0));
        long offset = r.argLong(8);
        int size = r.argInt(16);
        if (size < 0 || size > r.buffer().dataCapacity()) {
            throw new FsException(Errno.EINVAL, "READ of " + size + " bytes: more than the "
                    + r.buffer().dataCapacity() + " negotiated");
        }
        whenDone(r, fs.read(file, r.replyRoom(size), offset), n -> n);
    }

    /** The data is handed to the engine where the kernel put it. */
    private void write(FuseRequest r) throws FsException {
        OpenFile file = file(r.argLong(0));
        long offset = r.argLong(8);
        int size = r.argInt(16);
        ByteBuffer data = r.payload(40, size);
        if (data == null) {
            throw new FsException(Errno.EINVAL, "WRITE says " + size + " bytes but carries "
                    + (r.argumentLength() - 40));
        }
        whenDone(r, fs.write(file, data, offset), written -> {
            ByteBuffer out = r.replyRoom(8);
            out.putInt(0, written);
            out.putInt(4, 0);
            return 8;
        });
    }

    private void lseek(FuseRequest r) throws FsException {
        OpenFile file = file(r.argLong(0));
        long offset = r.argLong(8);
        int whence = r.argInt(16);
        if (whence != SEEK_DATA && whence != SEEK_HOLE) {
            throw new FsException(Errno.EINVAL, "LSEEK whence " + whence);
        }
        whenDone(r, fs.seek(file, offset, whence == SEEK_DATA), found -> {
            r.replyRoom(8).putLong(0, found);
            return 8;
        });
    }

    private void statfs(FuseRequest r) {
        ByteBuffer out = r.replyRoom(STATFS_SIZE);
        for (int i = 0; i < STATFS_SIZE; i += 8) {
            out.putLong(i, 0);
        }
        out.putLong(0, fs.totalBytes() / BLOCK_SIZE); // blocks; bfree, bavail, files, ffree stay 0
        out.putInt(40, BLOCK_SIZE);
        out.putInt(44, 255); // namelen
        out.putInt(48, BLOCK_SIZE); // frsize
        r.reply(STATFS_SIZE);
    }

    private void opendir(FuseRequest r) throws FsException {
        Node dir = node(r);
        if (!(dir instanceof DirectoryNode)) {
            throw new FsException(Errno.ENOTDIR, dir.name() + ": not a directory");
        }
        long parent = dir.inode() == InodeNumbers.ROOT ? InodeNumbers.ROOT : fs.root().inode();
        long id = nextListing.getAndIncrement();
        listings.put(id, new DirectoryListing(dir, parent, fs.list(dir)));
        OpenReply.put(r.replyRoom(OpenReply.SIZE), id, 0);
        r.reply(OpenReply.SIZE);
    }

    private void readdir(FuseRequest r, boolean plus) throws FsException {
        DirectoryListing listing = listings.get(r.argLong(0));
        if (listing == null) {
            throw new FsException(Errno.EBADF, "READDIR of directory handle " + r.argLong(0) + ", not open");
        }
        int size = Math.max(0, Math.min(r.argInt(16), r.buffer().dataCapacity()));
        r.reply(listing.fill(r.replyRoom(size), r.argLong(8), plus, fs, nodes));
    }

    private void releasedir(FuseRequest r) {
        listings.remove(r.argLong(0));
        r.reply(0);
    }

    /**
     * Image I/O can't be called back once started; the interrupted request is answered when it
     * completes, as it would have been. Logged (sparingly: a killed process may leave many).
     */
    private void interrupt(FuseRequest r) {
        long n = interrupts.incrementAndGet();
        if (n <= 10 || n % 1000 == 0) {
            ServerLog.info("FUSE: interrupt of request #" + r.argLong(0) + " (" + n + " so far): image I/O is"
                    + " not cancelled, the request is answered when it completes");
        }
        r.noReply();
    }

    private void unknown(FuseRequest r) {
        if (unknownOpcodesLogged.add(r.opcode())) {
            ServerLog.info("FUSE: " + FuseOpcode.name(r.opcode()) + " is not served (answered ENOSYS)");
        }
        r.replyError(Errno.ENOSYS);
    }

    /**
     * Answers when the future completes: {@code encode} puts the reply payload in place and
     * returns its length; a failure is answered with its errno.
     */
    private static <T> void whenDone(FuseRequest r, CompletableFuture<T> future, ToIntFunction<T> encode) {
        future.whenComplete((result, failure) -> {
            if (failure != null) {
                r.replyError(ErrnoMapping.errnoOf(failure));
                return;
            }
            int length;
            try {
                length = encode.applyAsInt(result);
            } catch (RuntimeException e) {
                ServerLog.error("FUSE: " + r + ": reply could not be made: " + e);
                r.replyError(Errno.EIO);
                return;
            }
            r.reply(length);
        });
    }
}
