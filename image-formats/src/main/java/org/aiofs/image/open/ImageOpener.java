package org.aiofs.image.open;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
 * Files an image names (backing images, data files) are opened through the same chain,
 * each once: a name that comes back is a loop, or a data file that is the image itself.
 */
public final class ImageOpener {
    /** Deeper chains than this are refused: each level costs a file and a stack frame per read. */
    public static final int MAX_CHAIN_DEPTH = 256;

    private final IoEngine engine;
    private final boolean direct;

    public ImageOpener(IoEngine engine) {
        this(engine, false);
    }

    /**
     * @param direct open the image named by the user with O_DIRECT (cache=none); only raw
     *               images take it (qcow2 metadata writes are not sector-aligned), and
     *               backing files are always opened buffered
     */
    public ImageOpener(IoEngine engine, boolean direct) {
        this.engine = engine;
        this.direct = direct;
    }

    /**
     * @param format a driver's name, or null to probe
     */
    public BlockImage open(Path path, String format, boolean readOnly) throws IOException {
        ImageDriver driver = format == null ? FormatProbe.probe(path) : ImageDrivers.byName(format);
        try {
            return open(path, driver, format == null, readOnly, new ArrayList<>());
        } catch (RepairNeededException needsRepair) {
            repair(path, driver);
            return open(path, driver, format == null, readOnly, new ArrayList<>());
        }
    }

    /**
     * Opens {@code overlay}, an image aiofs made (e.g. a throwaway qcow2 for {@code mount
     * --overlay}) whose backing file is {@code base}, for writing, on top of {@code base}
     * (already open, read-only): the backing name the overlay records is checked against
     * base's file, never resolved and opened again. The result owns {@code base}; if the open
     * fails, {@code base} is closed too.
     */
    public BlockImage openOverlay(Path overlay, BlockImage base) throws IOException {
        OverlayContext context = new OverlayContext(engine, base);
        HostFile file = null;
        try {
            ImageDriver driver = FormatProbe.probe(overlay);
            if (!driver.capabilities().backing() || !driver.capabilities().writable()) {
                throw new ImageException(overlay + " is a " + driver.name() + " image, which cannot be a writable"
                        + " overlay (qcow2 can)", ImageException.EINVAL);
            }
            file = HostFile.open(overlay, false, false);
            QemuImageLock.acquire(file, true);
            BlockImage image = driver.open(file, context);
            if (image.backing() != base) {
                image.close();
                throw new ImageException(overlay + " names no backing file: it is not an overlay of " + base.name(),
                        ImageException.EINVAL);
            }
            return image;
        } catch (IOException | RuntimeException e) {
            if (file != null && !file.isClosed()) {
                file.close();
            }
            if (!context.handedOut()) {
                base.close();
            }
            throw e;
        }
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

    private BlockImage open(Path path, ImageDriver driver, boolean probed, boolean readOnly, List<Path> chain)
            throws IOException {
        boolean topImage = chain.isEmpty();
        if (topImage && direct && !driver.name().equals("raw")) {
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
        HostFile file = HostFile.open(path, readOnly, topImage && direct);
        try {
            QemuImageLock.acquire(file, !readOnly);
            chain.add(identity(path));
            return driver.open(file, new ChainContext(readOnly, chain));
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** The files of one chain being opened: what is already part of it, and how to add to it. */
    private final class ChainContext implements OpenContext {
        private final boolean readOnly;
        private final List<Path> chain;

        ChainContext(boolean readOnly, List<Path> chain) {
            this.readOnly = readOnly;
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
            Path path = resolve(naming.path(), name);
            if (chain.contains(identity(path))) {
                throw new ImageException(naming.path() + ": " + role + " " + name + " is a file the image already"
                        + " uses (" + chain + ")", ImageException.EINVAL);
            }
            HostFile file;
            try {
                file = HostFile.open(path, readOnly, false);
            } catch (IOException e) {
                throw new ImageException(naming.path() + ": " + role + " " + name + " cannot be opened: "
                        + e.getMessage(), ImageException.EIO, e);
            }
            try {
                QemuImageLock.acquire(file, !readOnly);
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
            chain.add(identity(path));
            return file;
        }

        @Override
        public BlockImage openBacking(HostFile naming, String name, String format) throws IOException {
            if (name.startsWith("json:")) {
                throw new ImageException(naming.path() + ": json: backing file names are not supported",
                        ImageException.ENOTSUP);
            }
            Path backing = resolve(naming.path(), name);
            if (chain.contains(identity(backing))) {
                throw new ImageException(naming.path() + ": backing file " + backing + " is already in the chain"
                        + " (a loop: " + chain + ")", ImageException.EINVAL);
            }
            if (chain.size() >= MAX_CHAIN_DEPTH) {
                throw new ImageException(naming.path() + ": backing chain deeper than " + MAX_CHAIN_DEPTH
                        + " images", ImageException.EINVAL);
            }
            ImageDriver driver;
            try {
                driver = format == null || format.isEmpty() ? FormatProbe.probe(backing)
                        : ImageDrivers.byName(format);
            } catch (IllegalArgumentException e) {
                throw new ImageException(naming.path() + ": backing format '" + format + "' is not supported",
                        ImageException.ENOTSUP);
            } catch (ImageException e) {
                throw e;
            } catch (IOException e) {
                throw new ImageException(naming.path() + ": backing file " + backing + " cannot be opened: "
                        + e.getMessage(), ImageException.EIO, e);
            }
            try {
                return open(backing, driver, false, true, chain);
            } catch (ImageException e) {
                throw e;
            } catch (IOException e) {
                throw new ImageException(naming.path() + ": backing file " + backing + " cannot be opened: "
                        + e.getMessage(), ImageException.EIO, e);
            }
        }
    }

    /** Relative names are relative to the folder of the image that names them. */
    static Path resolve(Path naming, String name) throws ImageException {
        Path p;
        try {
            p = Path.of(name);
        } catch (InvalidPathException e) {
            throw ImageException.corrupt(naming.toString(), "file name '" + name.replaceAll("\\p{Cntrl}", "?")
                    + "' named in the image is not a valid path");
        }
        if (p.isAbsolute()) {
            return p;
        }
        Path folder = naming.toAbsolutePath().getParent();
        return folder == null ? p : folder.resolve(p);
    }

    /** The same file reached by two names counts once. */
    static Path identity(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }
}
