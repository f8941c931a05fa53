package org.aiofs.image.vpc;

import org.aiofs.testing.Qemu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.aiofs.image.EngineTestBase;
import org.aiofs.image.ImageException;
import org.aiofs.image.open.ImageOpener;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-damaged VHDs are refused with one line naming the file and the field. */
class VhdMalformedTest extends EngineTestBase {
    @TempDir
    Path dir;
    private Path image;

    @BeforeEach
    void makeImage() throws Exception {
        image = dir.resolve("bad.vhd");
        Qemu.img(dir, "create", "-f", "vpc", image.toString(), "8M");
        Qemu.io(dir.resolve("bad.vhd"), "vpc", "write -P 1 0 3M");
    }

    private void assertRefused(String... fragments) {
        ImageException e = assertThrows(ImageException.class, () -> new ImageOpener(engine).open(image, "vpc", true));
        String m = e.getMessage();
        assertTrue(m.startsWith(image + ": ") || m.startsWith(image + " "), m);
        assertFalse(m.contains("\n"), m);
        for (String f : fragments) {
            assertTrue(m.contains(f), "'" + f + "' missing from: " + m);
        }
    }

    @Test
    void footerChecksumOfBothCopies() throws Exception {
        poke(0, 100, 1);
        poke(VhdEdits.length(image) - 512, 100, 1);
        assertRefused("VHD footer copy at the start", "checksum");
    }

    @Test
    void noFooterAnywhere() throws Exception {
        poke(0, 0, 'X');
        poke(VhdEdits.length(image) - 512, 0, 'X');
        assertRefused("no VHD footer");
    }

    @Test
    void dynamicFooterOnlyAtTheEnd() throws Exception {
        poke(0, 0, 'X');
        assertRefused("disk type dynamic", "copy at the start of the file is missing");
    }

    @Test
    void unknownDiskType() throws Exception {
        VhdEdits.bothFooters(image, f -> f.putInt(60, 7));
        assertRefused("disk type type 7");
    }

    @Test
    void dataOffsetOutsideTheFile() throws Exception {
        VhdEdits.bothFooters(image, f -> f.putLong(16, 1L << 40));
        assertRefused("data_offset 0x10000000000");
    }

    @Test
    void dynamicHeaderChecksum() throws Exception {
        poke(VhdEdits.dataOffset(image), 1000, 7);
        assertRefused("dynamic disk header", "checksum");
    }

    @Test
    void blockSizeNotAPowerOfTwo() throws Exception {
        VhdEdits.dynamicHeader(image, h -> h.putInt(32, 3000));
        assertRefused("block_size 3000");
    }

    @Test
    void tableTooSmallForTheDisk() throws Exception {
        VhdEdits.dynamicHeader(image, h -> h.putInt(28, 2));
        assertRefused("max_table_entries 2");
    }

    @Test
    void tableTooLarge() throws Exception {
        VhdEdits.dynamicHeader(image, h -> h.putInt(28, -1));
        assertRefused("max_table_entries 4294967295", "limit");
    }

    @Test
    void tableOutsideTheFile() throws Exception {
        VhdEdits.dynamicHeader(image, h -> h.putLong(16, 1L << 50));
        assertRefused("table_offset 0x4000000000000");
    }

    @Test
    void blockBeyondTheEndOfTheFile() throws Exception {
        poke32(1536 + 4, 0x00100000); // BAT entry 1: a block at 512 MiB
        assertRefused("BAT entry 1", "beyond the end of the file");
    }

    @Test
    void blockOverTheTable() throws Exception {
        poke32(1536, 3); // BAT entry 0: a block at 1536, the BAT itself
        assertRefused("BAT entry 0", "overlaps");
    }

    @Test
    void truncatedImage() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(f.length() - 1024 * 1024);
        }
        assertRefused("beyond the end of the file");
    }

    @Test
    void fileTooShort() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(100);
        }
        assertRefused("too short");
    }

    private void poke(long at, int offset, int value) throws IOException {
        VhdEdits.write(image, at + offset, ByteBuffer.wrap(new byte[] {(byte) value}));
    }

    private void poke32(long at, int value) throws IOException {
        VhdEdits.write(image, at, ByteBuffer.allocate(4).putInt(0, value));
    }
}
