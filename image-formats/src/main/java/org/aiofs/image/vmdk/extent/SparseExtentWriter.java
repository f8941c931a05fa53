package org.aiofs.image.vmdk.extent;

import org.aiofs.aio.nativeio.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.image.ImageException;

/**
 * Writes into a VMDK4 sparse extent, in an order a crash cannot turn into wrong data: a new
 * grain is written whole (the parent's bytes, or zeroes, around the guest's), and flushed
 * before the grain table entry that links it; a new grain table is written and flushed before
 * the directory entry that links it; the redundant directory and its tables get the same
 * entries. A crash can leave unlinked grains and tables at the end of the file (space, never
 * data). Data written over an allocated grain goes in place. The caller serialises calls.
 */
public final class SparseExtentWriter {
    /** Grain and table entries are 32-bit sector numbers: nothing can be placed beyond. */
    public static final long MAX_SECTORS = 1L << 32;

    /** A grain table entry to write once what it points at is durable. */
    public record Link(int directoryIndex, int tableIndex, int value) {
    }

    private final SparseExtent extent;
    private final GrainLayout layout;
    private final HostFile file;
    private final IoEngine engine;
    /** The redundant directory, kept in step with the primary one; null when the extent has none. */
    private final int[] redundant;
    private final MetadataRanges metadata;
    private long nextSector;

    private SparseExtentWriter(SparseExtent extent, IoEngine engine, int[] redundant, MetadataRanges metadata) {
        this.extent = extent;
        this.layout = extent.layout();
        this.file = extent.file();
        this.engine = engine;
        this.redundant = redundant;
        this.metadata = metadata;
        this.nextSector = (extent.fileSize() + 511) >> 9;
    }

    /** A writer for {@code extent}, or an EROFS refusal saying why the extent is never written. */
    public static SparseExtentWriter open(SparseExtent extent, IoEngine engine) throws IOException {
        String image = extent.file().path().toString();
        GrainLayout layout = extent.layout();
        if (layout.writeRefusal() != null) {
            throw new ImageException(image + ": " + layout.writeRefusal() + "; open it read-only (--read-only)",
                    Errno.EROFS);
        }
        // every table must be inside the file: new grains go after its end, and must not land on one
        MetadataRanges metadata = new MetadataRanges();
        metadata.add(0, layout.overhead());
        metadata.add(layout.gdOffset(), 4L * layout.gdEntries());
        tables(image, "grain table", extent.directory(), 4L * layout.gtEntries(), metadata, extent.fileSize());
        int[] redundant = null;
        if (layout.rgdOffset() != 0) {
            metadata.add(layout.rgdOffset(), 4L * layout.gdEntries());
            redundant = readDirectory(extent, layout.rgdOffset());
            int[] primary = extent.directory();
            for (int i = 0; i < primary.length; i++) {
                if ((primary[i] == 0) != (redundant[i] == 0)) {
                    throw ImageException.corrupt(image, "the redundant grain directory disagrees with the grain"
                            + " directory at entry " + i + " (" + Integer.toUnsignedString(redundant[i]) + " vs "
                            + Integer.toUnsignedString(primary[i]) + "); refusing to write");
                }
            }
            tables(image, "redundant grain table", redundant, 4L * layout.gtEntries(), metadata,
                    extent.fileSize());
        }
        return new SparseExtentWriter(extent, engine, redundant, metadata);
    }

    /** Each table a directory names lies inside the file, and is metadata from now on. */
    private static void tables(String image, String what, int[] directory, long tableBytes, MetadataRanges metadata,
            long fileSize) throws ImageException {
        for (int i = 0; i < directory.length; i++) {
            if (directory[i] != 0) {
                long at = (directory[i] & 0xffffffffL) << 9;
                GrainLayout.checkInside(image, what + " " + i, at, tableBytes, fileSize);
                metadata.add(at, tableBytes);
            }
        }
    }

    private static int[] readDirectory(SparseExtent extent, long offset) throws IOException {
        int[] directory = new int[extent.layout().gdEntries()];
        if (directory.length > 0) {
            extent.meta().read(offset, 4 * directory.length, "redundant grain directory")
                    .order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(directory);
        }
        return directory;
    }

    public SparseExtent extent() {
        return extent;
    }

    /**
     * Plans writing {@code src} at extent offset {@code offset} (inside one grain): the data I/O
     * goes to {@code io}; for a grain not allocated yet, the whole new grain is written there and
     * the link to make once it is durable is returned (null for a write in place).
     */
    public Link prepareWrite(long offset, ByteBuffer src, GrainSource source, List<IoRequest> io) throws IOException {
        Grain g = grain(offset);
        if (g.allocated()) {
            long host = (g.entry() << 9) + g.inGrain();
            if (metadata.overlaps(host, src.remaining())) {
                throw ImageException.corrupt(file.path().toString(), "the grain at extent offset 0x"
                        + Long.toHexString(offset - g.inGrain()) + " lies on metadata (grain table entry "
                        + g.entry() + "): refusing to write over it");
            }
            io.add(new IoRequest.Write(file, host, src));
            return null;
        }
        ByteBuffer grain = ByteBuffer.allocateDirect((int) layout.grainBytes());
        if (g.entry() == 0) { // not allocated: the parent's bytes (a zeroed grain stays zero)
            long grainStart = offset - g.inGrain();
            source.fill(grainStart, grain.duplicate().limit((int) Math.min(grain.capacity(),
                    extent.size() - grainStart)));
        }
        grain.duplicate().position((int) g.inGrain()).put(src.duplicate());
        long host = allocate(layout.grainSectors(), layout.grainSectors());
        io.add(new IoRequest.Write(file, host << 9, grain));
        return new Link(g.directoryIndex(), g.tableIndex(), (int) host);
    }

    /**
     * Plans zeroing {@code length} bytes at extent offset {@code offset} (inside one grain): a
     * whole grain becomes a zeroed grain where the extent has them (a link, no data); a grain
     * that already reads as zeroes is left alone; anything else gets zeroes written.
     *
     * @param parentHasData whether the parent may hold data under this range
     */
    public Link prepareZeroes(long offset, long length, boolean parentHasData, GrainSource source,
            List<IoRequest> io) throws IOException {
        Grain g = grain(offset);
        boolean zeroed = g.entry() == 1 && layout.zeroGrain();
        if (zeroed || g.entry() == 0 && !parentHasData) {
            return null;
        }
        boolean wholeGrain = g.inGrain() == 0 && (length == layout.grainBytes() || offset + length == extent.size());
        if (wholeGrain && layout.zeroGrain()) {
            return new Link(g.directoryIndex(), g.tableIndex(), 1);
        }
        return prepareWrite(offset, ByteBuffer.allocate((int) length), source, io);
    }

    /**
     * Where a grain stands: its directory and table index, its table entry (0 when the table
     * is missing) and whether that entry is a grain (1 is one too, where zeroed grains are off).
     */
    private record Grain(int directoryIndex, int tableIndex, long entry, long inGrain, boolean allocated) {
    }

    private Grain grain(long offset) throws IOException {
        long sector = offset >>> 9;
        int directoryIndex = (int) (sector / layout.gtCoverage());
        int tableIndex = (int) ((sector / layout.grainSectors()) % layout.gtEntries());
        long tableSector = extent.directory()[directoryIndex] & 0xffffffffL;
        long entry = tableSector == 0 ? 0 : extent.tables().get(extent, tableSector)[tableIndex] & 0xffffffffL;
        boolean allocated = entry > 1 || entry == 1 && !layout.zeroGrain();
        return new Grain(directoryIndex, tableIndex, entry, offset % layout.grainBytes(), allocated);
    }

    /** Sectors for a new grain or table at the end of the file, {@code align}ed. */
    private long allocate(long sectors, long align) throws ImageException {
        long at = (nextSector + align - 1) / align * align;
        if (at + sectors > MAX_SECTORS) {
            throw new ImageException(file.path() + ": no room for another grain: sparse extents end at 2 TiB"
                    + " (sector 2^32)", Errno.ENOSPC);
        }
        nextSector = at + sectors;
        return at;
    }

    /**
     * Makes the links, once the data they point at is durable (the caller has flushed it):
     * entries into existing tables and whole new tables, flushed; then the directory entries of
     * the new tables, flushed; only then do readers see them.
     */
    public void commit(List<Link> links) throws IOException {
        if (links.isEmpty()) {
            return;
        }
        int[] directory = extent.directory();
        Map<Integer, int[]> newTables = new LinkedHashMap<>();
        List<IoRequest> tableWrites = new ArrayList<>();
        for (Link l : links) {
            if (directory[l.directoryIndex()] == 0) {
                newTables.computeIfAbsent(l.directoryIndex(), k -> new int[layout.gtEntries()])[l.tableIndex()] =
                        l.value();
            } else {
                tableWrites.add(entryWrite(directory[l.directoryIndex()], l.tableIndex(), l.value()));
                if (redundant != null) {
                    tableWrites.add(entryWrite(redundant[l.directoryIndex()], l.tableIndex(), l.value()));
                }
            }
        }
        long tableSectors = (4L * layout.gtEntries() + 511) >> 9;
        Map<Integer, long[]> placed = new LinkedHashMap<>();
        for (Map.Entry<Integer, int[]> t : newTables.entrySet()) {
            long primary = allocate(tableSectors, 1);
            long copy = redundant == null ? 0 : allocate(tableSectors, 1);
            tableWrites.add(new IoRequest.Write(file, primary << 9, encode(t.getValue())));
            if (redundant != null) {
                tableWrites.add(new IoRequest.Write(file, copy << 9, encode(t.getValue())));
            }
            placed.put(t.getKey(), new long[] {primary, copy});
            metadata.add(primary << 9, 4L * layout.gtEntries());
            metadata.add(copy << 9, redundant == null ? 0 : 4L * layout.gtEntries());
        }
        runAndFlush(tableWrites);
        if (!placed.isEmpty()) {
            List<IoRequest> directoryWrites = new ArrayList<>();
            for (Map.Entry<Integer, long[]> p : placed.entrySet()) {
                directoryWrites.add(intWrite(layout.gdOffset() + 4L * p.getKey(), (int) p.getValue()[0]));
                if (redundant != null) {
                    directoryWrites.add(intWrite(layout.rgdOffset() + 4L * p.getKey(), (int) p.getValue()[1]));
                }
            }
            runAndFlush(directoryWrites);
        }
        extent.grewTo(nextSector << 9);
        for (Map.Entry<Integer, long[]> p : placed.entrySet()) {
            extent.tables().put(extent, p.getValue()[0], newTables.get(p.getKey()));
            directory[p.getKey()] = (int) p.getValue()[0];
            if (redundant != null) {
                redundant[p.getKey()] = (int) p.getValue()[1];
            }
        }
        for (Link l : links) {
            if (!newTables.containsKey(l.directoryIndex())) {
                extent.tables().set(extent, directory[l.directoryIndex()] & 0xffffffffL, l.tableIndex(), l.value());
            }
        }
    }

    /** Writes, then makes them durable: what a later step may point at must be on disk first. */
    public void runAndFlush(List<IoRequest> writes) throws IOException {
        if (writes.isEmpty()) {
            return;
        }
        List<CompletableFuture<Long>> done = engine.submitBatch(writes);
        for (CompletableFuture<Long> f : done) {
            Futures.await(f);
        }
        Futures.await(engine.submit(new IoRequest.Flush(file, true)));
    }

    private IoRequest entryWrite(int tableSector, int index, int value) {
        return intWrite(((tableSector & 0xffffffffL) << 9) + 4L * index, value);
    }

    private IoRequest intWrite(long position, int value) {
        return new IoRequest.Write(file, position, ByteBuffer.allocateDirect(4).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0, value));
    }

    private static ByteBuffer encode(int[] table) {
        ByteBuffer b = ByteBuffer.allocateDirect(4 * table.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(table);
        return b;
    }
}
