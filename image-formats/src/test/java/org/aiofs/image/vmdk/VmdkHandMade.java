package org.aiofs.image.vmdk;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * VMDK layouts qemu-img does not write but QEMU reads (VMware's tools write them): made by hand
 * here, then judged by qemu-img convert like everything else.
 */
final class VmdkHandMade {
    private VmdkHandMade() {
    }

    /**
     * A stream-optimized file as VMware writes it front to back: the header's gdOffset says "at the
     * end" (-1), and a footer (footer marker, header copy with the real gdOffset, end-of-stream
     * marker) closes the file.
     */
    static Path gdAtEnd(Path qemuStream, Path out) throws IOException {
        Files.copy(qemuStream, out, StandardCopyOption.REPLACE_EXISTING);
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
            byte[] header = new byte[512];
            f.readFully(header);
            long end = (f.length() + 511) & ~511L;
            ByteBuffer tail = ByteBuffer.allocate(3 * 512).order(ByteOrder.LITTLE_ENDIAN);
            tail.putLong(0, 1).putInt(8, 0).putInt(12, 3); // footer marker: one sector of metadata follows
            tail.put(512, header);
            f.seek(end);
            f.write(tail.array());
            f.seek(56); // gdOffset
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).array());
        }
        return out;
    }

    /**
     * A VMDK3 ("COWD") sparse extent of {@code sectors} sectors with grains of {@code grainSectors}:
     * header in sector 0, directory in sector 1, one 4096-entry grain table from sector 2, then the
     * grains that {@code grains[i]} fills (null = not allocated) with their index's byte.
     */
    static Path cowd(Path out, int sectors, int grainSectors, boolean[] allocated) throws IOException {
        int gtSectors = 4096 * 4 / 512;
        int firstGrain = 2 + gtSectors;
        int grains = (sectors + grainSectors - 1) / grainSectors;
        ByteBuffer header = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        header.put("COWD".getBytes(StandardCharsets.US_ASCII));
        header.putInt(4, 1).putInt(8, 3).putInt(12, sectors).putInt(16, grainSectors).putInt(20, 1).putInt(24, 1);
        ByteBuffer table = ByteBuffer.allocate(gtSectors * 512).order(ByteOrder.LITTLE_ENDIAN);
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
            f.setLength(0);
            f.write(header.array());
            f.write(ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 2).array());
            long next = firstGrain;
            for (int g = 0; g < grains; g++) {
                if (allocated[g % allocated.length]) {
                    table.putInt(4 * g, (int) next);
                    byte[] data = new byte[grainSectors * 512];
                    java.util.Arrays.fill(data, (byte) (0x40 + g));
                    f.seek(next * 512);
                    f.write(data);
                    next += grainSectors;
                }
            }
            f.seek(2 * 512);
            f.write(table.array());
        }
        return out;
    }

    /** A descriptor file with the given extent lines (and CRLF line ends when asked). */
    static Path descriptor(Path out, String createType, String extents, boolean crlf) throws IOException {
        String text = "# Disk DescriptorFile\nversion=1\nCID=1234abcd\nparentCID=ffffffff\ncreateType=\"" + createType
                + "\"\n\n# Extent description\n" + extents + "\n# The Disk Data Base\n#DDB\n\nddb.adapterType = \"ide\"\n";
        Files.writeString(out, crlf ? text.replace("\n", "\r\n") : text, StandardCharsets.ISO_8859_1);
        return out;
    }

    /**
     * A monolithic sparse disk with small grain tables ({@code gtEntries} entries of 64 KiB grains)
     * and none of them allocated yet (every directory entry 0, as VMware leaves them; qemu-img
     * preallocates them all), with a redundant directory.
     */
    static Path sparseWithoutTables(Path out, long capacitySectors, int gtEntries) throws IOException {
        long grain = 128;
        long tables = (capacitySectors + gtEntries * grain - 1) / (gtEntries * grain);
        long gdSectors = (4 * tables + 511) / 512;
        long rgd = 21;
        long gd = rgd + gdSectors;
        long overhead = (gd + gdSectors + grain - 1) / grain * grain;
        ByteBuffer header = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        header.put("KDMV".getBytes(StandardCharsets.US_ASCII));
        header.putInt(4, 1).putInt(8, 3).putLong(12, capacitySectors).putLong(20, grain).putLong(28, 1)
                .putLong(36, 20).putInt(44, gtEntries).putLong(48, rgd).putLong(56, gd).putLong(64, overhead);
        header.put(73, (byte) '\n').put(74, (byte) ' ').put(75, (byte) '\r').put(76, (byte) '\n');
        String text = "# Disk DescriptorFile\nversion=1\nCID=5eed0001\nparentCID=ffffffff\n"
                + "createType=\"monolithicSparse\"\n# Extent description\nRW " + capacitySectors + " SPARSE \""
                + out.getFileName() + "\"\n";
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
            f.setLength(0);
            f.write(header.array());
            f.write(text.getBytes(StandardCharsets.ISO_8859_1));
            f.setLength(overhead * 512);
        }
        return out;
    }

    /**
     * A sparse file with no capacity whose embedded descriptor (sector 1) names the extents: QEMU
     * opens the descriptor as it would a descriptor file.
     */
    static Path describingSparse(Path out, String createType, String extents) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        header.put("KDMV".getBytes(StandardCharsets.US_ASCII));
        header.putInt(4, 1).putInt(8, 3).putLong(12, 0).putLong(20, 128).putLong(28, 1).putLong(36, 20)
                .putInt(44, 512).putLong(48, 0).putLong(56, 0).putLong(64, 21);
        header.put(73, (byte) '\n').put(74, (byte) ' ').put(75, (byte) '\r').put(76, (byte) '\n');
        String text = "# Disk DescriptorFile\nversion=1\nCID=0badcafe\nparentCID=ffffffff\ncreateType=\"" + createType
                + "\"\n# Extent description\n" + extents + "\n";
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
            f.setLength(0);
            f.write(header.array());
            f.write(text.getBytes(StandardCharsets.ISO_8859_1));
            f.setLength(21 * 512);
        }
        return out;
    }
}
