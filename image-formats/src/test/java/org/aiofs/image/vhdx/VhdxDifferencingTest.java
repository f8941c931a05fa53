package org.aiofs.image.vhdx;

import org.aiofs.testing.Qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.ImageException;
import org.aiofs.image.ImageInfo;
import org.aiofs.image.open.ImageDrivers;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.qcow2.DiskComparison;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differencing VHDX files (which qemu-img can't make and QEMU refuses): a dynamic VHDX made
 * by qemu-img becomes a differencing one by hand (has_parent, a VHDX parent locator, block
 * states, a sector bitmap block); the expected disk is computed sector by sector from QEMU's
 * reading of both files.
 */
class VhdxDifferencingTest extends EngineTestBase {
    private static final int BLOCK = 1 << 20;
    private static final int SIZE = 8 << 20;
    private static final int SECTORS_PER_BLOCK = BLOCK / 512;
    private static final String FILE_PARAMETERS = "CAA16737-FA36-4D43-B3B6-33F0AA44E76B";
    private static final String PARENT_LOCATOR = "A8D35F2D-B30B-454D-ABF7-D3D84834AB0C";
    private static final String VHDX_PARENT = "B04AEFB7-D19E-4A81-B789-25B8E9445913";
    /** Block states after the edit: 7 partially present, 6 fully present, 2 zero, 0 not present. */
    private static final int[] STATES = {7, 0, 6, 0, 0, 7, 0, 2};

    @TempDir
    Path dir;
    private Path parent;
    private Path child;
    private byte[] parentDisk;
    private byte[] childDisk;
    private byte[] bitmap;

    @BeforeEach
    void makeImages() throws Exception {
        parentDisk = new byte[SIZE];
        new Random(17).nextBytes(parentDisk);
        Files.write(dir.resolve("p.raw"), parentDisk);
        Qemu.img(dir, "convert", "-f", "raw", "-O", "vhdx", "-o", "block_size=1M", "p.raw", "p.vhdx");
        parent = dir.resolve("p.vhdx");
        Qemu.img(dir, "create", "-f", "vhdx", "-o", "block_size=1M", "c.vhdx", String.valueOf(SIZE));
        Qemu.io(dir.resolve("c.vhdx"), "vhdx", "write -P 0x81 512 4096", "write -P 0x82 2M 1M",
                "write -P 0x83 5345280 51200");
        Qemu.img(dir, "convert", "-O", "raw", "c.vhdx", "c.raw");
        child = dir.resolve("c.vhdx");
        childDisk = Files.readAllBytes(dir.resolve("c.raw"));
        bitmap = new byte[BLOCK];
        setBits(0, 2, 9); // block 0: sectors 2-8 from the child (it wrote 1-8)
        setBits(5, 200, 251); // block 5: part of what the child wrote
    }

    @Test
    void sectorsComeFromTheChildWhereItsStateAndBitmapSaySo() throws Exception {
        makeDifferencing(MsGuid.braced(VhdxEdits.dataWriteGuid(parent)), ".\\p.vhdx", null);
        try (BlockImage img = new ImageOpener(engine).open(child, null, true)) {
            assertEquals(parent.toRealPath().toString(), img.backing().name());
            DiskComparison.assertSameAsRaw(img, expectedDisk());
            ImageInfo info = ImageDrivers.describe(img);
            assertEquals("p.vhdx", info.backingFile());
        }
    }

    @Test
    void anAbsoluteWin32PathFindsTheParentBesideTheChild() throws Exception {
        makeDifferencing(MsGuid.braced(VhdxEdits.dataWriteGuid(parent)), null, "\\\\?\\D:\\VMs\\p.vhdx");
        try (BlockImage img = new ImageOpener(engine).open(child, "vhdx", true)) {
            DiskComparison.assertSameAsRaw(img, expectedDisk());
        }
    }

    @Test
    void aParentWithAnotherDataWriteGuidIsRefused() throws Exception {
        makeDifferencing("{01234567-89ab-4cde-8f01-23456789abcd}", ".\\p.vhdx", null);
        ImageException e = assertThrows(ImageException.class, () -> new ImageOpener(engine).open(child, null, true));
        assertTrue(e.getMessage().startsWith(child + ": ") && e.getMessage().contains("parent_linkage")
                && e.getMessage().contains("{01234567-89ab-4cde-8f01-23456789abcd}"), e.getMessage());
    }

    @Test
    void aMissingParentIsRefusedWithTheNamesTried() throws Exception {
        makeDifferencing(MsGuid.braced(VhdxEdits.dataWriteGuid(parent)), "..\\old\\gone.vhdx", null);
        ImageException e = assertThrows(ImageException.class, () -> new ImageOpener(engine).open(child, null, true));
        assertTrue(e.getMessage().contains("parent not found") && e.getMessage().contains("../old/gone.vhdx, gone.vhdx"),
                e.getMessage());
    }

    private void setBits(int block, int fromSector, int toSector) {
        for (int s = fromSector; s < toSector; s++) {
            int bit = block * SECTORS_PER_BLOCK + s;
            bitmap[bit / 8] |= (byte) (1 << (bit % 8));
        }
    }

    private void makeDifferencing(String linkage, String relativePath, String absolutePath) throws IOException {
        long meta = VhdxEdits.metadataOffset(child);
        ByteBuffer table = VhdxEdits.read(child, meta, 64 << 10);
        int count = table.getShort(10);
        for (int i = 0; i < count; i++) {
            byte[] id = new byte[16];
            table.get(32 + i * 32, id);
            if (java.util.Arrays.equals(id, MsGuid.of(FILE_PARAMETERS))) {
                long item = meta + table.getInt(32 + i * 32 + 16);
                ByteBuffer params = VhdxEdits.read(child, item, 8);
                VhdxEdits.write(child, item, params.putInt(4, params.getInt(4) | 2));
            }
        }
        ByteBuffer locator = locator(linkage, relativePath, absolutePath);
        int locatorOffset = (64 << 10) + 4096;
        ByteBuffer entry = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        entry.put(0, MsGuid.of(PARENT_LOCATOR)).putInt(16, locatorOffset).putInt(20, locator.capacity()).putInt(24, 4);
        VhdxEdits.write(child, meta + 32 + count * 32L, entry);
        VhdxEdits.write(child, meta + 10, ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN)
                .putShort(0, (short) (count + 1)));
        VhdxEdits.write(child, meta + locatorOffset, locator);
        long bitmapAt = (VhdxEdits.length(child) + BLOCK - 1) / BLOCK * BLOCK;
        VhdxEdits.setLength(child, bitmapAt + BLOCK);
        VhdxEdits.write(child, bitmapAt, ByteBuffer.wrap(bitmap));
        for (int block = 0; block < STATES.length; block++) {
            long old = VhdxEdits.bat(child, block);
            long offset = STATES[block] >= 6 ? old & VhdxLayout.OFFSET_MASK : 0;
            VhdxEdits.putBat(child, block, offset | STATES[block]);
        }
        VhdxEdits.putBat(child, 4096, bitmapAt | 6); // chunk 0's sector bitmap block
    }

    /** A VHDX parent locator: type, then key/value entries, then the UTF-16LE strings. */
    private static ByteBuffer locator(String linkage, String relativePath, String absolutePath) {
        java.util.List<String[]> pairs = new java.util.ArrayList<>();
        pairs.add(new String[] {"parent_linkage", linkage});
        if (relativePath != null) {
            pairs.add(new String[] {"relative_path", relativePath});
        }
        if (absolutePath != null) {
            pairs.add(new String[] {"absolute_win32_path", absolutePath});
        }
        ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, MsGuid.of(VHDX_PARENT)).putShort(18, (short) pairs.size());
        int strings = 20 + 12 * pairs.size();
        for (int i = 0; i < pairs.size(); i++) {
            byte[] key = pairs.get(i)[0].getBytes(StandardCharsets.UTF_16LE);
            byte[] value = pairs.get(i)[1].getBytes(StandardCharsets.UTF_16LE);
            b.putInt(20 + 12 * i, strings).putInt(24 + 12 * i, strings + key.length)
                    .putShort(28 + 12 * i, (short) key.length).putShort(30 + 12 * i, (short) value.length);
            b.put(strings, key).put(strings + key.length, value);
            strings += key.length + value.length;
        }
        return ByteBuffer.wrap(java.util.Arrays.copyOf(b.array(), strings)).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Each sector by its block's state: the child's, the parent's, or zeroes. */
    private Path expectedDisk() throws IOException {
        byte[] out = new byte[SIZE];
        for (int block = 0; block < SIZE / BLOCK; block++) {
            for (int s = 0; s < SECTORS_PER_BLOCK; s++) {
                int bit = block * SECTORS_PER_BLOCK + s;
                boolean fromChild = STATES[block] == 6
                        || STATES[block] == 7 && (bitmap[bit / 8] & (1 << (bit % 8))) != 0;
                int at = block * BLOCK + s * 512;
                if (STATES[block] != 2) {
                    System.arraycopy(fromChild ? childDisk : parentDisk, at, out, at, 512);
                }
            }
        }
        Path expected = dir.resolve("expected.raw");
        Files.write(expected, out);
        return expected;
    }
}
