package org.aiofs.image.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;
import org.aiofs.image.ImageException;
import org.aiofs.image.ImageInfo;
import org.aiofs.image.OpenContext;
import org.aiofs.image.RangeCheck;
import org.aiofs.image.RepairNeededException;
import org.aiofs.image.SnapshotSource;
import org.aiofs.image.cache.MetadataCache;

/**
 * A qcow2 image (version 2 or 3): the active state, writable when its file was opened
 * for writing (see {@link Qcow2Writer}), or one internal snapshot opened read-only
 * through {@link #openSnapshot}. Its L2 tables and inflated clusters live in the mount's
 * {@link MetadataCache}, shared with its snapshots.
 */
public final class Qcow2Image implements BlockImage, SnapshotSource {
    private static final int MAX_FIRST_CLUSTER = 1 << Qcow2Header.MAX_CLUSTER_BITS;

    private final String name;
    private final HostFile file;
    private final HostFile dataFile;
    private final IoEngine engine;
    private final Qcow2Header header;
    private final HeaderExtensions extensions;
    private final String backingName;
    private final BlockImage backing;
    private final List<Qcow2Snapshot> snapshots;
    private final MetadataCache cache;
    private final L2Tables tables;
    private final InflatedClusters inflated;
    private final Qcow2Reader reader;
    private final long size;
    private final Qcow2Snapshot snapshot;
    private final boolean ownsFiles;
    /** Null when read-only. */
    private final Qcow2Writer writer;

    private Qcow2Image(String name, HostFile file, HostFile dataFile, IoEngine engine, Qcow2Header header,
            HeaderExtensions extensions, String backingName, BlockImage backing, List<Qcow2Snapshot> snapshots,
            MetadataCache cache, L2Tables tables, InflatedClusters inflated, long[] l1, long size,
            Qcow2Snapshot snapshot, boolean ownsFiles, long snapshotTableEnd) throws IOException {
        this.name = name;
        this.file = file;
        this.dataFile = dataFile;
        this.engine = engine;
        this.header = header;
        this.extensions = extensions;
        this.backingName = backingName;
        this.backing = backing;
        this.snapshots = snapshots;
        this.cache = cache;
        this.tables = tables;
        this.inflated = inflated;
        this.size = size;
        this.snapshot = snapshot;
        this.ownsFiles = ownsFiles;
        ClusterMap map = new ClusterMap(name, header, l1, tables, header.externalDataFile(), file.size());
        this.reader = new Qcow2Reader(name, map, dataFile, dataFile != file, engine, backing, size, inflated);
        if (snapshot == null && !file.readOnly()) {
            MetadataMap meta = metadataMap(l1, snapshotTableEnd);
            this.writer = new Qcow2Writer(name, file, dataFile, engine, map, reader, meta, backing, header, size,
                    cache);
            writer.openForWriting();
        } else {
            this.writer = null;
        }
    }

    /** Every cluster of metadata the overlap check protects (refcount structures are added by {@link Refcounts}). */
    private MetadataMap metadataMap(long[] l1, long snapshotTableEnd) throws IOException {
        MetadataMap meta = new MetadataMap(header.clusterBits());
        meta.add(0, header.clusterSize(), MetadataMap.Kind.HEADER);
        meta.add(header.l1TableOffset(), (long) header.l1Size() * 8, MetadataMap.Kind.ACTIVE_L1);
        for (long e : l1) {
            long l2 = e & L2Entry.OFFSET_MASK;
            if (l2 != 0) {
                meta.add(l2, header.clusterSize(), MetadataMap.Kind.ACTIVE_L2);
            }
        }
        if (header.snapshotCount() > 0) {
            meta.add(header.snapshotsOffset(), snapshotTableEnd - header.snapshotsOffset(),
                    MetadataMap.Kind.SNAPSHOT_TABLE);
            for (Qcow2Snapshot s : snapshots) {
                meta.add(s.l1TableOffset(), (long) s.l1Size() * 8, MetadataMap.Kind.SNAPSHOT_L1);
            }
        }
        return meta;
    }

    /**
     * Opens the image in {@code file} (writable when the file was opened for writing). Its
     * metadata is cached in the context's {@link MetadataCache}. On failure nothing stays open
     * but {@code file} itself, which the caller owns until this returns.
     */
    public static Qcow2Image open(HostFile file, OpenContext context) throws IOException {
        IoEngine engine = context.engine();
        MetadataCache cache = context.metadataCache();
        String name = file.name();
        long fileSize = file.size();
        MetadataReader meta = new MetadataReader(file, engine, name);
        ByteBuffer head = meta.readUpTo(0, (int) Math.min(fileSize, MAX_FIRST_CLUSTER));
        Qcow2Header header = Qcow2Header.parse(name, head, fileSize);
        if (header.headerLength() > header.clusterSize()) {
            throw ImageException.corrupt(name, "header_length " + header.headerLength()
                    + " is larger than a cluster");
        }
        ByteBuffer firstCluster = head.slice(0, Math.min(head.limit(), header.clusterSize()));
        HeaderExtensions extensions = HeaderExtensions.parse(name, firstCluster, header.extensionsOffset());
        String backingName = null;
        if (header.backingFileOffset() != 0 && header.backingFileSize() > 0) {
            byte[] raw = new byte[header.backingFileSize()];
            head.get((int) header.backingFileOffset(), raw);
            backingName = new String(raw, StandardCharsets.UTF_8);
        }
        long[] l1 = meta.readLongs(header.l1TableOffset(), header.l1Size(), "L1 table");
        RefcountTable.validate(meta, header, fileSize);
        SnapshotTable.Contents snapshotTable = header.snapshotCount() == 0
                ? new SnapshotTable.Contents(List.of(), header.snapshotsOffset())
                : SnapshotTable.readWithEnd(meta, header, fileSize);
        List<Qcow2Snapshot> snapshots = snapshotTable.snapshots();
        if (!file.readOnly()) {
            refuseWriting(name, header, extensions);
        }

        HostFile dataFile = file;
        BlockImage backing = null;
        try {
            if (header.externalDataFile()) {
                if (extensions.dataFile() == null) {
                    throw new ImageException(name + ": needs an external data file but names none"
                            + " (no external data file name extension)", Errno.ENOTSUP);
                }
                dataFile = context.openNamedFile(file, extensions.dataFile(), "external data file");
            }
            if (backingName != null) {
                if (backingName.startsWith("json:")) {
                    throw new ImageException(name + ": json: backing file names are not supported",
                            Errno.ENOTSUP);
                }
                backing = context.openBacking(file, backingName, extensions.backingFormat());
            }
            return new Qcow2Image(name, file, dataFile, engine, header, extensions, backingName, backing, snapshots,
                    cache, new L2Tables(name, cache, meta, header), new InflatedClusters(name, cache), l1,
                    header.virtualSize(), null, true, snapshotTable.end());
        } catch (IOException | RuntimeException e) {
            if (dataFile != file) {
                dataFile.close();
            }
            if (backing != null) {
                backing.close();
            }
            throw e;
        }
    }

    /** An image QEMU itself would not open for writing is refused, with the way out. */
    private static void refuseWriting(String name, Qcow2Header header, HeaderExtensions extensions)
            throws ImageException {
        if (header.corrupt()) {
            throw new ImageException(name + " is marked corrupt: repair it with `qemu-img check -r all` (or open it"
                    + " read-only)", Errno.EIO);
        }
        if (header.dirty()) {
            throw new RepairNeededException(name + " is dirty (lazy refcounts): repair it with `aiofs check --repair`"
                    + " or `qemu-img check -r all`");
        }
        if (extensions.bitmaps() && (header.autoclearFeatures() & Qcow2Header.AUTOCLEAR_BITMAPS) != 0) {
            // writing would have to invalidate them (QEMU's autoclear rule) and leak their clusters
            throw new ImageException(name + " has persistent dirty bitmaps, which aiofs cannot keep up to date:"
                    + " remove them (`qemu-img bitmap --remove`) or open the image read-only", Errno.ENOTSUP);
        }
    }

    /** The snapshot as its own read-only disk: its L1 table instead of the active one. */
    public Qcow2Image openSnapshot(Qcow2Snapshot s) throws IOException {
        if (!snapshots.contains(s)) {
            throw new ImageException(name + ": no snapshot " + ImageException.printable(s.name()),
                    Errno.EINVAL);
        }
        long fileSize = file.size();
        long needed = header.l1EntriesFor(s.virtualSize());
        String field = "snapshot " + ImageException.printable(s.name()) + " L1 table";
        if (s.l1Size() < needed) {
            throw ImageException.corrupt(name, field + ": l1_size " + s.l1Size() + " is too small for "
                    + s.virtualSize() + " bytes");
        }
        if (s.l1Size() > 0 && ((s.l1TableOffset() & (header.clusterSize() - 1)) != 0 || s.l1TableOffset() <= 0
                || s.l1TableOffset() > fileSize - s.l1Size() * 8L)) {
            throw ImageException.corrupt(name, field + " at 0x" + Long.toHexString(s.l1TableOffset())
                    + " is unaligned or lies beyond the end of the file (" + fileSize + " bytes)");
        }
        long[] l1 = new MetadataReader(file, engine, name).readLongs(s.l1TableOffset(), s.l1Size(), field);
        return new Qcow2Image(name + "@" + ImageException.printable(s.name()), file, dataFile, engine, header,
                extensions, backingName, backing, snapshots, cache, tables, inflated, l1, s.virtualSize(), s, false,
                0);
    }

    /** Finds a snapshot by name, or by id. */
    public Qcow2Image openSnapshot(String nameOrId) throws IOException {
        for (Qcow2Snapshot s : snapshots) {
            if (s.name().equals(nameOrId)) {
                return openSnapshot(s);
            }
        }
        for (Qcow2Snapshot s : snapshots) {
            if (s.id().equals(nameOrId)) {
                return openSnapshot(s);
            }
        }
        throw new ImageException(name + ": no snapshot named " + ImageException.printable(nameOrId),
                Errno.EINVAL);
    }

    public List<Qcow2Snapshot> snapshots() {
        return snapshots;
    }

    public Qcow2Header header() {
        return header;
    }

    public HeaderExtensions extensions() {
        return extensions;
    }

    /** The backing file name as the header spells it, or null. */
    public String backingName() {
        return backingName;
    }

    @Override
    public BlockImage backing() {
        return backing;
    }

    /** The cache holding this image's metadata (shared by the whole mount). */
    public MetadataCache cache() {
        return cache;
    }

    /** The file holding guest data: the image itself, or its external data file. */
    public HostFile dataFile() {
        return dataFile;
    }

    /** The image file itself. */
    public HostFile file() {
        return file;
    }

    @Override
    public List<ImageInfo.SnapshotInfo> internalSnapshots() {
        List<ImageInfo.SnapshotInfo> out = new ArrayList<>();
        for (Qcow2Snapshot s : snapshots) {
            out.add(s.info());
        }
        return out;
    }

    @Override
    public BlockImage openInternalSnapshot(ImageInfo.SnapshotInfo wanted) throws IOException {
        for (Qcow2Snapshot s : snapshots) {
            if (s.info().equals(wanted)) {
                return openSnapshot(s);
            }
        }
        throw new ImageException(name + ": no snapshot " + wanted.name() + " (id " + wanted.id() + ")",
                Errno.EINVAL);
    }

    /** The snapshot this image shows, or null for the active state. */
    public Qcow2Snapshot snapshot() {
        return snapshot;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String format() {
        return "qcow2";
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return writer == null;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        try {
            RangeCheck.inside(this, offset, dst.remaining());
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (writer == null) {
            try {
                return reader.read(offset, dst);
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return writer.read(offset, dst);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src) {
        try {
            RangeCheck.writableRange(this, offset, src.remaining());
        } catch (ImageException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (src.remaining() == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return writer.write(offset, src);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean unmap) {
        try {
            RangeCheck.writableRange(this, offset, length);
        } catch (ImageException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (length == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return writer.writeZeroes(offset, length, unmap);
    }

    /** Discarded ranges read as zeroes afterwards (never as the backing file's data). */
    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return writeZeroes(offset, length, true);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return writer == null ? CompletableFuture.completedFuture(null) : writer.flush();
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        RangeCheck.inside(this, offset, length);
        if (length == 0) {
            return new BlockStatus(BlockStatus.Kind.DATA, offset, 0);
        }
        return writer == null ? reader.blockStatus(offset, length) : writer.blockStatus(offset, length);
    }

    @Override
    public void close() throws IOException {
        if (!ownsFiles) {
            return;
        }
        try {
            if (writer != null) {
                writer.close();
            }
        } finally {
            closeFiles();
        }
    }

    private void closeFiles() throws IOException {
        try {
            if (backing != null) {
                backing.close();
            }
        } finally {
            try {
                if (dataFile != file) {
                    dataFile.close();
                }
            } finally {
                file.close();
            }
        }
    }
}
