package org.aiofs.image.vmdk.extent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.aiofs.aio.HostFile;
import org.aiofs.image.ImageException;
import org.aiofs.image.qcow2.MetadataReader;

/**
 * A sparse extent (VMDK4 or VMDK3): a grain directory, kept in memory, points at grain tables,
 * read when first needed and cached, whose entries point at the grains. Lookups are QEMU's
 * (block/vmdk.c, get_cluster_offset): entry 0 is unallocated, 1 a zeroed grain where the
 * header enables them, anything else the grain's sector in the file.
 */
public final class SparseExtent implements Extent {
    private final HostFile file;
    private final String type;
    private final GrainLayout layout;
    private final int[] directory;
    private final GrainTableCache cache;
    private final MetadataReader meta;
    /** Grows as the writer appends grains and tables. */
    private volatile long fileSize;

    SparseExtent(HostFile file, String type, GrainLayout layout, int[] directory, GrainTableCache cache,
            MetadataReader meta, long fileSize) {
        this.file = file;
        this.type = type;
        this.layout = layout;
        this.directory = directory;
        this.cache = cache;
        this.meta = meta;
        this.fileSize = fileSize;
    }

    public GrainLayout layout() {
        return layout;
    }

    @Override
    public long sectors() {
        return layout.capacity();
    }

    @Override
    public HostFile file() {
        return file;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public int grainBytes() {
        return (int) layout.grainBytes();
    }

    @Override
    public boolean compressed() {
        return layout.compressed();
    }

    public long fileSize() {
        return fileSize;
    }

    /** The file now ends at {@code end} (the writer appended to it). */
    void grewTo(long end) {
        if (end > fileSize) {
            fileSize = end;
        }
    }

    /** The grain directory, which the writer updates once a new table is on disk. */
    int[] directory() {
        return directory;
    }

    GrainTableCache tables() {
        return cache;
    }

    MetadataReader meta() {
        return meta;
    }

    @Override
    public ExtentRun map(long offset, long length) throws IOException {
        long grainBytes = layout.grainBytes();
        long sector = offset >>> 9;
        long inGrain = offset % grainBytes;
        long run = Math.min(length, grainBytes - inGrain);
        // the directory covers the capacity (checked at open)
        long tableSector = directory[(int) (sector / layout.gtCoverage())] & 0xffffffffL;
        if (tableSector == 0) {
            return ExtentRun.unallocated(run);
        }
        int[] table = cache.get(this, tableSector);
        long entry = table[(int) ((sector / layout.grainSectors()) % layout.gtEntries())] & 0xffffffffL;
        if (entry == 0) {
            return ExtentRun.unallocated(run);
        }
        if (entry == 1 && layout.zeroGrain()) {
            return ExtentRun.zero(run);
        }
        long host = entry << 9;
        if (host >= fileSize) {
            throw ImageException.corrupt(file.path().toString(), "grain table at sector " + tableSector
                    + " points the grain at extent offset 0x" + Long.toHexString(offset - inGrain) + " to sector "
                    + entry + ", past the end of the file (" + fileSize + " bytes)");
        }
        if (layout.compressed()) {
            return ExtentRun.compressed(run, host, (int) inGrain);
        }
        return ExtentRun.data(run, host + inGrain);
    }

    /** Reads the grain table at {@code tableSector}, which must lie inside the file. */
    int[] loadGrainTable(long tableSector) throws IOException {
        String image = file.path().toString();
        int bytes = layout.gtEntries() * 4;
        GrainLayout.checkInside(image, "grain table", tableSector << 9, bytes, fileSize);
        ByteBuffer b = meta.read(tableSector << 9, bytes, "grain table").order(ByteOrder.LITTLE_ENDIAN);
        int[] table = new int[layout.gtEntries()];
        b.asIntBuffer().get(table);
        return table;
    }
}
