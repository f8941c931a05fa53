package org.aiofs.image.vhdx;

import org.aiofs.aio.nativeio.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

import org.aiofs.image.ImageException;
import org.aiofs.image.qcow2.MetadataReader;

/**
 * The VHDX metadata log, a circular buffer of 4 KiB sectors. A log whose entries still need
 * replaying makes the file's own metadata stale until they are written back. aiofs opens VHDX
 * read-only, so it refuses such a file as QEMU does on a read-only open, naming the way out;
 * finding whether one exists follows QEMU's search (block/vhdx-log.c): an entry is valid when
 * its header carries the file's log GUID and its CRC-32C covers the whole entry.
 */
final class VhdxLog {
    private static final int SECTOR = 4096;
    private static final int ENTRY_SIGNATURE = 0x65676f6c; // "loge"
    private static final int DESCRIPTOR_SIGNATURE = 0x63736564; // "desc"
    private static final int ZERO_SIGNATURE = 0x6f72657a; // "zero"

    private final String image;
    private final MetadataReader meta;
    private final VhdxHeader header;

    private VhdxLog(String image, MetadataReader meta, VhdxHeader header) {
        this.image = image;
        this.meta = meta;
        this.header = header;
    }

    /** Checks the log's place in the file, and refuses a log that needs replaying. */
    static void refuseIfDirty(String image, MetadataReader meta, VhdxHeader header, FileRegions regions)
            throws IOException {
        long offset = header.logOffset();
        long length = header.logLength();
        if (offset < (1 << 20) || offset % (1 << 20) != 0) {
            throw ImageException.corrupt(image, "VHDX header: log_offset 0x" + Long.toHexString(offset)
                    + " is not a whole MiB after the header section");
        }
        if (header.logVersion() != 0) {
            throw new ImageException(image + ": VHDX header: log_version " + header.logVersion()
                    + " is not supported (only 0)", Errno.ENOTSUP);
        }
        if (length % (1 << 20) != 0) {
            throw ImageException.corrupt(image, "VHDX header: log_length " + length + " is not a whole number of MiB");
        }
        regions.add("log", offset, length);
        if (MsGuid.isZero(header.logGuid()) || length == 0) {
            return;
        }
        long entry = new VhdxLog(image, meta, header).firstValidEntry();
        if (entry >= 0) {
            throw new ImageException(image + ": the VHDX log holds an entry (at log offset " + entry + ") that must be"
                    + " replayed before the image can be read, and aiofs opens VHDX images read-only: replay it with"
                    + " `qemu-img check -r all " + image + "` (which writes to the image)", Errno.EROFS);
        }
    }

    /** The log offset of the first valid entry, or -1: one pass around the buffer, each sector read once. */
    private long firstValidEntry() throws IOException {
        long pos = 0;
        while (true) {
            long start = pos;
            long[] next = {0};
            if (valid(start, next)) {
                return start;
            }
            pos = next[0];
            if (pos <= start) {
                return -1; // went around
            }
        }
    }

    /** Whether an entry starts at {@code pos}; {@code next[0]} is where the search goes on. */
    private boolean valid(long pos, long[] next) throws IOException {
        long length = header.logLength();
        ByteBuffer first = sector(pos);
        next[0] = (pos + SECTOR) % length;
        long entryLength = Integer.toUnsignedLong(first.getInt(8));
        long descriptors = Integer.toUnsignedLong(first.getInt(24));
        byte[] guid = new byte[16];
        first.get(32, guid);
        if (first.getInt(0) != ENTRY_SIGNATURE || entryLength > length || entryLength % SECTOR != 0
                || first.getLong(16) == 0 || !java.util.Arrays.equals(guid, header.logGuid())
                || descriptors * 32 > entryLength) {
            return false;
        }
        long sequence = first.getLong(16);
        long descriptorSectors = (descriptors + 2 + 127) / 128;
        long sectors = Math.max(descriptorSectors, entryLength / SECTOR);
        CRC32C crc = new CRC32C();
        long at = pos;
        for (long s = 0; s < sectors; s++) {
            ByteBuffer b = s == 0 ? first : sector(at);
            if (s < descriptorSectors) {
                checkDescriptors(pos, b, s, descriptors, sequence);
            }
            if (s == 0) {
                crc.update(b.duplicate().limit(4).position(0));
                crc.update(new byte[4]);
                crc.update(b.duplicate().position(8));
            } else {
                crc.update(b.duplicate());
            }
            at = (at + SECTOR) % length;
        }
        next[0] = at;
        return (int) crc.getValue() == first.getInt(4);
    }

    /** A header that looks valid with a descriptor that is not fails the open, as in QEMU. */
    private void checkDescriptors(long entry, ByteBuffer b, long sectorIndex, long count, long sequence)
            throws ImageException {
        int firstSlot = sectorIndex == 0 ? 2 : 0;
        for (int slot = firstSlot; slot < SECTOR / 32; slot++) {
            long index = sectorIndex * 128 + slot - 2;
            if (index >= count) {
                return;
            }
            int at = slot * 32;
            int signature = b.getInt(at);
            boolean ok = b.getLong(at + 24) == sequence && b.getLong(at + 16) % SECTOR == 0
                    && (signature == DESCRIPTOR_SIGNATURE
                        || signature == ZERO_SIGNATURE && b.getLong(at + 8) % SECTOR == 0);
            if (!ok) {
                throw ImageException.corrupt(image, "VHDX log entry at log offset " + entry + ": descriptor " + index
                        + " is invalid");
            }
        }
    }

    private ByteBuffer sector(long pos) throws IOException {
        return meta.read(header.logOffset() + pos, SECTOR, "VHDX log").order(ByteOrder.LITTLE_ENDIAN);
    }
}
