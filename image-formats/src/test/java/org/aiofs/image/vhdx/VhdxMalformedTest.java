package org.aiofs.image.vhdx;

import org.aiofs.testing.Qemu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import org.aiofs.image.EngineTestBase;
import org.aiofs.image.ImageException;
import org.aiofs.image.open.ImageOpener;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-damaged VHDX files are refused with one line naming the file and the field. */
class VhdxMalformedTest extends EngineTestBase {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;
    private Path image;
    private long bat;
    private long meta;

    @BeforeEach
    void makeImage() throws Exception {
        image = dir.resolve("bad.vhdx");
        Qemu.img(dir, "create", "-f", "vhdx", "-o", "block_size=1M", image.toString(), "8M");
        Qemu.io(dir.resolve("bad.vhdx"), "vhdx", "write -P 1 0 2M");
        bat = VhdxEdits.batOffset(image);
        meta = VhdxEdits.metadataOffset(image);
    }

    private void assertRefused(String... fragments) {
        ImageException e = assertThrows(ImageException.class, () -> new ImageOpener(engine).open(image, "vhdx", true));
        String m = e.getMessage();
        assertTrue(m.startsWith(image + ": "), m);
        assertFalse(m.contains("\n"), m);
        for (String f : fragments) {
            assertTrue(m.contains(f), "'" + f + "' missing from: " + m);
        }
    }

    @Test
    void noFileIdentifier() throws Exception {
        put(0, ByteBuffer.wrap("vhdxfilX".getBytes()));
        assertRefused("no VHDX file identifier");
    }

    @Test
    void bothHeadersDamaged() throws Exception {
        put(64 << 10 | 100, ByteBuffer.wrap(new byte[] {1}));
        put(128 << 10 | 100, ByteBuffer.wrap(new byte[] {1}));
        assertRefused("no valid VHDX header");
    }

    @Test
    void headersWithTheSameSequenceThatDiffer() throws Exception {
        long seq = VhdxEdits.read(image, 64 << 10, 16).getLong(8);
        VhdxEdits.header(image, 2, h -> h.putLong(8, seq).put(20, (byte) 0x5a));
        assertRefused("same sequence_number");
    }

    @Test
    void logOffsetNotInWholeMiB() throws Exception {
        for (int which = 1; which <= 2; which++) {
            VhdxEdits.header(image, which, h -> h.putLong(72, MIB + 4096));
        }
        assertRefused("log_offset 0x101000");
    }

    @Test
    void bothRegionTablesDamaged() throws Exception {
        put((192 << 10) + 100, ByteBuffer.wrap(new byte[] {1}));
        put((256 << 10) + 100, ByteBuffer.wrap(new byte[] {1}));
        assertRefused("region table", "CRC-32C");
    }

    @Test
    void metadataSignature() throws Exception {
        put(meta, ByteBuffer.wrap("metadatX".getBytes()));
        assertRefused("metadata table", "signature");
    }

    @Test
    void blockSizeNotAPowerOfTwo() throws Exception {
        putInt(meta + (64 << 10), 3 << 20);
        assertRefused("block_size 3145728");
    }

    @Test
    void logicalSectorSize() throws Exception {
        putInt(meta + (64 << 10) + 32, 1024);
        assertRefused("logical sector size 1024");
    }

    @Test
    void virtualSizeNotWholeSectors() throws Exception {
        put(meta + (64 << 10) + 8, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1000));
        assertRefused("virtual disk size 1000");
    }

    @Test
    void blockBeyondTheEndOfTheFile() throws Exception {
        putLong(bat + 8, (1L << 40) | 6);
        assertRefused("BAT entry 1", "beyond the end of the file");
    }

    @Test
    void blockOverTheMetadataRegion() throws Exception {
        putLong(bat + 8, meta | 6);
        assertRefused("BAT entry 1", "overlaps the metadata region");
    }

    @Test
    void twoBlocksInOnePlace() throws Exception {
        putLong(bat + 8, VhdxEdits.bat(image, 0));
        assertRefused("two blocks share");
    }

    @Test
    void reservedBlockState() throws Exception {
        putLong(bat + 8, 4);
        assertRefused("BAT entry 1", "state 4 is reserved");
    }

    @Test
    void partiallyPresentWithoutAParent() throws Exception {
        putLong(bat, VhdxEdits.bat(image, 0) & ~7L | 7);
        assertRefused("partially present in a file without a parent");
    }

    private void put(long at, ByteBuffer b) throws IOException {
        VhdxEdits.write(image, at, b);
    }

    private void putInt(long at, int v) throws IOException {
        put(at, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, v));
    }

    private void putLong(long at, long v) throws IOException {
        put(at, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v));
    }
}
