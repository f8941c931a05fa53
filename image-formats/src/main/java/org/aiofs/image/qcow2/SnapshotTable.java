package org.aiofs.image.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.aiofs.image.ImageException;

/**
 * The internal snapshot table: nb_snapshots variable-length records, each 8-byte aligned.
 * Sizes come from the image, so each is capped and the whole table too (QEMU: 64 MiB).
 */
public final class SnapshotTable {
    public static final long MAX_TABLE_BYTES = 64L << 20;
    public static final int MAX_EXTRA_DATA = 1024;
    private static final int FIXED = 40;

    private SnapshotTable() {
    }

    public static List<Qcow2Snapshot> read(MetadataReader reader, Qcow2Header header, long fileSize)
            throws IOException {
        return readWithEnd(reader, header, fileSize).snapshots();
    }

    /** The records and where the table ends (the overlap check protects the whole table). */
    public record Contents(List<Qcow2Snapshot> snapshots, long end) {
    }

    public static Contents readWithEnd(MetadataReader reader, Qcow2Header header, long fileSize)
            throws IOException {
        String image = reader.image();
        int count = header.snapshotCount();
        List<Qcow2Snapshot> out = new ArrayList<>(Math.min(count, 1024));
        long pos = header.snapshotsOffset();
        long end = header.snapshotsOffset();
        for (int i = 0; i < count; i++) {
            String field = "snapshot table entry " + i;
            if (pos + FIXED > fileSize) {
                throw ImageException.corrupt(image, "snapshot table at 0x" + Long.toHexString(header.snapshotsOffset())
                        + " lies beyond the end of the file (" + fileSize + " bytes) (" + field + ")");
            }
            ByteBuffer fixed = reader.read(pos, FIXED, field);
            long l1Offset = fixed.getLong(0);
            int l1Size = fixed.getInt(8);
            int idSize = fixed.getShort(12) & 0xffff;
            int nameSize = fixed.getShort(14) & 0xffff;
            long dateSec = Integer.toUnsignedLong(fixed.getInt(16));
            long dateNsec = Integer.toUnsignedLong(fixed.getInt(20));
            long vmClock = fixed.getLong(24);
            long vmState = Integer.toUnsignedLong(fixed.getInt(32));
            long extraSize = Integer.toUnsignedLong(fixed.getInt(36));
            if (extraSize > MAX_EXTRA_DATA) {
                throw ImageException.corrupt(image, field + ": extra_data_size " + extraSize + " exceeds "
                        + MAX_EXTRA_DATA);
            }
            int variable = (int) extraSize + idSize + nameSize;
            long next = pos + FIXED + variable;
            next = (next + 7) & ~7L;
            if (next - header.snapshotsOffset() > MAX_TABLE_BYTES) {
                throw ImageException.corrupt(image, "snapshot table exceeds " + (MAX_TABLE_BYTES >> 20) + " MiB");
            }
            if (pos + FIXED + variable > fileSize) {
                throw ImageException.corrupt(image, field + " at 0x" + Long.toHexString(pos)
                        + " lies beyond the end of the file (" + fileSize + " bytes)");
            }
            ByteBuffer rest = variable == 0 ? ByteBuffer.allocate(0) : reader.read(pos + FIXED, variable, field);
            long diskSize = header.virtualSize();
            if (extraSize >= 8) {
                vmState = rest.getLong(0);
            }
            if (extraSize >= 16) {
                diskSize = rest.getLong(8);
            }
            String id = text(rest, (int) extraSize, idSize);
            String name = text(rest, (int) extraSize + idSize, nameSize);
            if (l1Size < 0 || (long) l1Size * 8 > Qcow2Header.MAX_L1_BYTES) {
                throw ImageException.corrupt(image, field + " (" + ImageException.printable(name) + "): l1_size "
                        + Integer.toUnsignedString(l1Size) + " exceeds the 32 MiB L1 table limit");
            }
            if (diskSize < 0) {
                throw ImageException.corrupt(image, field + " (" + ImageException.printable(name)
                        + "): disk size is negative");
            }
            out.add(new Qcow2Snapshot(id, name, l1Offset, l1Size, diskSize, dateSec, dateNsec, vmClock, vmState));
            pos = next;
            end = next;
        }
        assert end >= header.snapshotsOffset();
        return new Contents(List.copyOf(out), end);
    }

    private static String text(ByteBuffer b, int at, int len) {
        byte[] bytes = new byte[len];
        b.get(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
