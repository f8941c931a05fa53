package org.aiofs.image;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.aiofs.aio.DirectIoPadding;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.cache.MetadataCache;
import org.aiofs.image.lock.QemuImageLock;
import org.aiofs.image.qcow2.DirtyImageException;
import org.aiofs.image.qcow2.Qcow2Header;
import org.aiofs.image.qcow2.Qcow2Image;
import org.aiofs.image.qcow2.check.Qcow2CheckResult;
import org.aiofs.image.qcow2.check.Qcow2Checker;
import org.aiofs.image.qcow2.check.RepairMode;
import org.aiofs.image.raw.RawImage;

/**
 * Opens an image file as a {@link BlockImage}: the format named by the user, or probed
 * by its magic. A probed raw image is never opened for writing: a guest could write a
 * qcow2 header into it and the next open would trust that header. Backing images are
 * opened read-only through here too, each once per chain: a name that comes back is a loop.
 */
public final class ImageOpener {
    /** Deeper chains than this are refused: each level costs a file and a stack frame per read. */
    public static final int MAX_CHAIN_DEPTH = 256;

    private final IoEngine engine;
    private final boolean direct;
    private final MetadataCache cache;

    public ImageOpener(IoEngine engine) {
        this(engine, false, new MetadataCache(MetadataCache.DEFAULT_BYTES));
    }

    /**
     * @param direct open the image named by the user with O_DIRECT (cache=none): its requests
     *               are then padded to whole sectors below the drivers; backing files are
     *               always opened buffered
     * @param cache  where every image of the chain keeps its metadata (one budget)
     */
    public ImageOpener(IoEngine engine, boolean direct, MetadataCache cache) {
        this.engine = direct ? new DirectIoPadding(engine) : engine;
        this.direct = direct;
        this.cache = cache;
    }

    /** The format a file's first bytes say it has: qcow2 by its magic, raw otherwise. */
    public static ImageFormat probe(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path)) {
            ByteBuffer head = ByteBuffer.allocate(4);
            while (head.hasRemaining() && ch.read(head) >= 0) {
                // a block device or a pipe may return less at a time
            }
            return head.position() == 4 && head.getInt(0) == Qcow2Header.MAGIC ? ImageFormat.QCOW2 : ImageFormat.RAW;
        }
    }

    /**
     * @param format null to probe
     */
    public BlockImage open(Path path, ImageFormat format, boolean readOnly) throws IOException {
        try {
            return open(path, format, readOnly, new ArrayList<>());
        } catch (DirtyImageException dirty) {
            repairDirty(path);
            return open(path, format, readOnly, new ArrayList<>());
        }
    }

    /**
     * A lazy-refcounts image left dirty by a crash is repaired before a writable open, as QEMU
     * does: its refcounts are rebuilt from the tables (messages go to stderr, the server's log).
     */
    private static void repairDirty(Path path) throws IOException {
        PrintWriter log = new PrintWriter(System.err, true);
        log.println("aiofs: " + path + " is dirty (lazy refcounts, not closed cleanly): repairing its refcounts");
        Qcow2CheckResult result = Qcow2Checker.check(path, RepairMode.ALL, log);
        if (result.exitCode() != Qcow2CheckResult.EXIT_CLEAN) {
            throw new ImageException(path + " is dirty and its repair left " + result.corruptions()
                    + " corruption(s) and " + result.leaks() + " leak(s); see `aiofs check " + path + "`",
                    Errno.EIO);
        }
    }

    private BlockImage open(Path path, ImageFormat format, boolean readOnly, List<Path> chain) throws IOException {
        boolean topImage = chain.isEmpty();
        ImageFormat actual = format != null ? format : probe(path);
        HostFile file = HostFile.open(path, readOnly, topImage && direct);
        try {
            QemuImageLock.acquire(file, !readOnly);
            if (format == null && actual == ImageFormat.RAW && !readOnly) {
                throw new ImageException(path + ": format not given and probed as raw; writing to a probed raw image"
                        + " is refused (pass --format raw, or --read-only)", Errno.EINVAL);
            }
            chain.add(identity(path));
            return switch (actual) {
                case RAW -> new RawImage(file, engine);
                case QCOW2 -> Qcow2Image.open(file, engine, (backing, backingFormat) -> openBacking(path, backing,
                        backingFormat, chain), cache);
            };
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private BlockImage openBacking(Path naming, Path backing, String format, List<Path> chain) throws IOException {
        if (chain.contains(identity(backing))) {
            throw new ImageException(naming + ": backing file " + backing + " is already in the chain (a loop: "
                    + chain + ")", Errno.EINVAL);
        }
        if (chain.size() >= MAX_CHAIN_DEPTH) {
            throw new ImageException(naming + ": backing chain deeper than " + MAX_CHAIN_DEPTH + " images",
                    Errno.EINVAL);
        }
        ImageFormat f;
        try {
            f = format == null || format.isEmpty() ? null : ImageFormat.fromUserName(format);
        } catch (IllegalArgumentException e) {
            throw new ImageException(naming + ": backing format '" + format + "' is not supported",
                    Errno.ENOTSUP);
        }
        try {
            return open(backing, f, true, chain);
        } catch (ImageException e) {
            throw e;
        } catch (IOException e) {
            throw new ImageException(naming + ": backing file " + backing + " cannot be opened: " + e.getMessage(),
                    Errno.EIO, e);
        }
    }

    /** The same file reached by two names counts once. */
    private static Path identity(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }
}
