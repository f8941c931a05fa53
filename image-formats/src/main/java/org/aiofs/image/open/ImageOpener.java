package org.aiofs.image.open;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.function.Consumer;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.CheckResult;
import org.aiofs.image.ImageDriver;
import org.aiofs.image.ImageException;
import org.aiofs.image.OpenContext;
import org.aiofs.image.RepairMode;
import org.aiofs.image.RepairNeededException;
import org.aiofs.image.lock.QemuImageLock;

/**
 * Opens an image file as a {@link BlockImage}: in the format named by the user, or probed
 * ({@link FormatProbe}), through the driver the registry lists for it. A probed image whose
 * driver says so ({@code probeForWriting}, false for raw) is never opened for writing: a
 * guest could write a qcow2 header into a raw disk and the next open would trust it.
 * Files an image names (backing images, data files) are opened only through the
 * {@link OpenContext} this class implements, the one place where names read from an image
 * are judged: the {@link NamedFilePolicy} (inside the image's directory tree unless the
 * user allows more), the kind of file (HostFile: a regular file or block device), and the
 * chain (each file once, by device and inode: a name that comes back is a loop, or a data
 * file that is the image itself).
 */
public final class ImageOpener {
    /** Deeper chains than this are refused: each level costs a file and a stack frame per read. */
    public static final int MAX_CHAIN_DEPTH = 256;

    private final IoEngine engine;
    private final boolean direct;
    private final NamedFilePolicy policy;
    private final Consumer<String> notices;

    public ImageOpener(IoEngine engine) {
        this(engine, false);
    }

    /**
     * @param direct open the image named by the user with O_DIRECT (cache=none); only raw
     *               images take it (qcow2 metadata writes are not sector-aligned), and
     *               backing files are always opened buffered
     */
    public ImageOpener(IoEngine engine, boolean direct) {
        this(engine, direct, NamedFilePolicy.confined(), notice -> { });
    }

    private ImageOpener(IoEngine engine, boolean direct, NamedFilePolicy policy, Consumer<String> notices) {
        this.engine = engine;
        this.direct = direct;
        this.policy = policy;
        this.notices = notices;
    }

    /** This opener, judging the files images name by {@code policy} (the default: {@link NamedFilePolicy#confined()}). */
    public ImageOpener withPolicy(NamedFilePolicy policy) {
        return new ImageOpener(engine, direct, policy, notices);
    }

    /**
     * This opener, telling {@code sink} what a user should know about what it opened (one line
     * each, without a prefix): the chain it follows when that leaves the image's directory.
     */
    public ImageOpener withNotices(Consumer<String> sink) {
        return new ImageOpener(engine, direct, policy, sink);
    }

    /**
     * @param format a driver's name, or null to probe
     */
    public BlockImage open(Path path, String format, boolean readOnly) throws IOException {
        ImageDriver driver = format == null ? FormatProbe.probe(path) : ImageDrivers.byName(format);
        BlockImage image;
        OpenChain chain = new OpenChain();
        try {
            image = open(path, driver, format == null, readOnly, chain);
        } catch (RepairNeededException needsRepair) {
            repair(path, driver);
            chain = new OpenChain();
            image = open(path, driver, format == null, readOnly, chain);
        }
        if (chain.leavesTheDirectory()) {
            notices.accept(path + ": its chain leaves " + chain.top().getParent() + " (allowed by "
                    + NamedFilePolicy.OPTION + "): " + chain.describe());
        }
        return image;
    }

    /**
     * An image its driver wants repaired before writing (a lazy-refcounts qcow2 left dirty by a
     * crash) is repaired first, as QEMU does; messages go to stderr, the server's log.
     */
    private static void repair(Path path, ImageDriver driver) throws IOException {
        PrintWriter log = new PrintWriter(System.err, true);
        log.println("aiofs: " + path + " was not closed cleanly: repairing it before writing");
        CheckResult result = driver.check(path, RepairMode.ALL, log);
        if (result.exitCode() != CheckResult.EXIT_CLEAN) {
            throw new ImageException(path + " needed a repair, which left " + result.corruptions()
                    + " corruption(s) and " + result.leaks() + " leak(s); see `aiofs check " + path + "`",
                    ImageException.EIO);
        }
    }

    /** Opens the image the user named. */
    private BlockImage open(Path path, ImageDriver driver, boolean probed, boolean readOnly, OpenChain chain)
            throws IOException {
        if (direct && !driver.name().equals("raw")) {
            throw new ImageException(path + ": O_DIRECT (cache=none/directsync) is supported for raw images only",
                    ImageException.ENOTSUP);
        }
        if (probed && !readOnly && !driver.capabilities().probeForWriting()) {
            throw new ImageException(path + ": format not given and probed as " + driver.name() + "; writing to a"
                    + " probed " + driver.name() + " image is refused (pass --format " + driver.name()
                    + ", or --read-only)", ImageException.EINVAL);
        }
        if (!readOnly && !driver.capabilities().writable()) {
            throw new ImageException(path + ": aiofs reads " + driver.name() + " images but does not write them"
                    + " (mount it --read-only)", ImageException.EROFS);
        }
        HostFile file = HostFile.open(path, readOnly, direct, true);
        try {
            QemuImageLock.acquire(file, !readOnly);
            chain.add("image", file, false);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
        return openWith(driver, file, new ChainContext(readOnly, probed, chain));
    }

    /** The driver opens the image in {@code file}, which it owns from then on; on failure the file is closed. */
    private static BlockImage openWith(ImageDriver driver, HostFile file, OpenContext context) throws IOException {
        try {
            return driver.open(file, context);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** The files of one chain being opened: what is already part of it, and how to add to it. */
    private final class ChainContext implements OpenContext {
        private final boolean readOnly;
        private final boolean probedTop;
        private final OpenChain chain;

        ChainContext(boolean readOnly, boolean probedTop, OpenChain chain) {
            this.readOnly = readOnly;
            this.probedTop = probedTop;
            this.chain = chain;
        }

        @Override
        public IoEngine engine() {
            return engine;
        }

        @Override
        public boolean readOnly() {
            return readOnly;
        }

        @Override
        public HostFile openNamedFile(HostFile naming, String name, String role) throws IOException {
            if (probedTop && !readOnly) {
                // a guest that wrote this header into a raw disk would choose where writes go
                throw new ImageException(naming.path() + ": format not given, and the probed image names "
                        + role + " '" + NamedFilePolicy.printable(name) + "' that writes would go to: pass --format"
                        + " to confirm the format (a guest can write an image header into a raw disk), or"
                        + " --read-only", ImageException.EINVAL);
            }
            return openChecked(naming, name, role, readOnly);
        }

        @Override
        public BlockImage openBacking(HostFile naming, String name, String format) throws IOException {
            if (name.startsWith("json:")) {
                throw new ImageException(naming.path() + ": json: backing file names are not supported",
                        ImageException.ENOTSUP);
            }
            if (chain.size() >= MAX_CHAIN_DEPTH) {
                throw new ImageException(naming.path() + ": backing chain deeper than " + MAX_CHAIN_DEPTH
                        + " images", ImageException.EINVAL);
            }
            HostFile file = openChecked(naming, name, "backing file", true);
            ImageDriver driver;
            try {
                driver = format == null || format.isEmpty() ? FormatProbe.probe(file) : ImageDrivers.byName(format);
            } catch (IllegalArgumentException e) {
                file.close();
                throw new ImageException(naming.path() + ": backing format '" + format + "' is not supported",
                        ImageException.ENOTSUP);
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
            try {
                return openWith(driver, file, new ChainContext(true, false, chain));
            } catch (ImageException e) {
                throw e;
            } catch (IOException e) {
                throw new ImageException(naming.path() + ": backing file " + file.path() + " cannot be opened: "
                        + e.getMessage(), ImageException.EIO, e);
            }
        }

        /**
         * Opens a file the image names, judged by the policy (before the open, and again on
         * what was opened), the kind of file, and the chain; then locked as QEMU locks it.
         */
        private HostFile openChecked(HostFile naming, String name, String role, boolean openReadOnly)
                throws IOException {
            Path path = resolve(naming.path(), name);
            policy.check(chain.top(), naming.path(), role, name, path);
            HostFile file;
            try {
                file = HostFile.open(path, openReadOnly, false, false);
            } catch (IOException e) {
                throw new ImageException(naming.path() + ": " + role + " " + NamedFilePolicy.printable(name)
                        + " cannot be opened: " + e.getMessage(), ImageException.EIO, e);
            }
            try {
                OpenChain.Link already = chain.find(file);
                if (already != null) {
                    throw new ImageException(naming.path() + ": " + role + " '" + NamedFilePolicy.printable(name)
                            + "' is " + already.path() + ", already part of this image (as its " + already.role()
                            + "): a loop, refused", ImageException.EINVAL);
                }
                boolean outside = policy.check(chain.top(), naming.path(), role, name,
                        Path.of("/proc/self/fd/" + file.fd()));
                QemuImageLock.acquire(file, !openReadOnly);
                chain.add(role, file, outside);
                return file;
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
        }
    }

    /** Relative names are relative to the folder of the image that names them. */
    static Path resolve(Path naming, String name) throws ImageException {
        Path p;
        try {
            p = Path.of(name);
        } catch (InvalidPathException e) {
            throw ImageException.corrupt(naming.toString(), "file name '" + NamedFilePolicy.printable(name)
                    + "' named in the image is not a valid path");
        }
        if (p.isAbsolute()) {
            return p;
        }
        Path folder = naming.toAbsolutePath().getParent();
        return folder == null ? p : folder.resolve(p);
    }
}
