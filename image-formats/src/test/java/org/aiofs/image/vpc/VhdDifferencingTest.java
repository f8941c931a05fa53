package org.aiofs.image.vpc;

import org.aiofs.testing.Qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
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
 * Differencing VHDs (which qemu-img can't make, and QEMU reads without their parent): a
 * dynamic VHD made by qemu-img is turned into a differencing one by hand, with cleared
 * sector bitmap bits; the expected disk is computed sector by sector from QEMU's own reading
 * of both files: a sector comes from the child where its block is allocated and its bit set.
 */
class VhdDifferencingTest extends EngineTestBase {
    private static final int BLOCK = 2 << 20;
    private static final int SIZE = 8 << 20;

    @TempDir
    Path dir;
    private Path parent;
    private Path child;
    private byte[] parentDisk;
    private byte[] childDisk;

    @BeforeEach
    void makeImages() throws Exception {
        byte[] data = new byte[SIZE];
        new Random(11).nextBytes(data);
        Files.write(dir.resolve("p.raw"), data);
        Qemu.img(dir, "convert", "-f", "raw", "-O", "vpc", "-o", "force_size=on", "p.raw", "p.vhd");
        parent = dir.resolve("p.vhd");
        parentDisk = data;
        Qemu.img(dir, "create", "-f", "vpc", "-o", "force_size=on", "c.vhd", String.valueOf(SIZE));
        Qemu.io(dir.resolve("c.vhd"), "vpc", "write -P 0x81 512 4096", "write -P 0x82 3M 1M", "write -P 0x83 7M 100k");
        Qemu.img(dir, "convert", "-f", "vpc", "-O", "raw", "c.vhd", "c.raw");
        child = dir.resolve("c.vhd");
        childDisk = Files.readAllBytes(dir.resolve("c.raw"));
    }

    @Test
    void sectorsComeFromTheChildWhereItsBitmapSaysSo() throws Exception {
        makeDifferencing(child, VhdEdits.read(parent, 68, 16).array(), "p.vhd", "W2ru", ".\\p.vhd");
        clearBitmapByte(0, 0); // sectors 0-7 of block 0: the parent's, though the child wrote 1-7
        clearBitmapByte(1, 256); // sectors 2048-2055 of block 1 (guest 3 MiB)
        setBitmapByte(1, 300, 0xa5); // every other sector of 8 more
        Path expected = expectedDisk();
        try (BlockImage img = new ImageOpener(engine).open(child, null, true)) {
            assertEquals(SIZE, img.size());
            assertEquals(parent.toRealPath().toString(), img.backing().name());
            DiskComparison.assertSameAsRaw(img, expected);
            ImageInfo info = ImageDrivers.describe(img);
            assertEquals("p.vhd", info.backingFile());
            assertEquals(1, info.backingChain().size());
        }
    }

    @Test
    void anAbsoluteWindowsPathFindsTheParentBesideTheChild() throws Exception {
        makeDifferencing(child, VhdEdits.read(parent, 68, 16).array(), "", "W2ku", "C:\\VMs\\Disks\\p.vhd");
        try (BlockImage img = new ImageOpener(engine).open(child, "vpc", true)) {
            DiskComparison.assertSameAsRaw(img, expectedDisk());
        }
    }

    @Test
    void aParentWithAnotherUniqueIdIsRefused() throws Exception {
        makeDifferencing(child, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, "p.vhd", "W2ru",
                ".\\p.vhd");
        ImageException e = assertThrows(ImageException.class, () -> new ImageOpener(engine).open(child, null, true));
        assertTrue(e.getMessage().startsWith(child + ": ") && e.getMessage().contains("unique id")
                && e.getMessage().contains("0102030405060708090a0b0c0d0e0f10"), e.getMessage());
    }

    @Test
    void aMissingParentIsRefusedWithTheNamesTried() throws Exception {
        makeDifferencing(child, VhdEdits.read(parent, 68, 16).array(), "gone.vhd", "W2ru", ".\\old\\gone.vhd");
        ImageException e = assertThrows(ImageException.class, () -> new ImageOpener(engine).open(child, null, true));
        assertTrue(e.getMessage().contains("parent not found") && e.getMessage().contains("old/gone.vhd, gone.vhd"),
                e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }

    /** Footer type 4 in both copies; parent id, name and one locator (its data appended before the footer). */
    private static void makeDifferencing(Path image, byte[] parentId, String parentName, String platform,
            String locator) throws IOException {
        long footerAt = VhdEdits.length(image) - VhdFooter.SIZE;
        ByteBuffer footer = VhdEdits.read(image, footerAt, VhdFooter.SIZE);
        byte[] locatorData = locator.getBytes(StandardCharsets.UTF_16LE);
        ByteBuffer sector = ByteBuffer.allocate(512);
        sector.put(locatorData);
        VhdEdits.write(image, footerAt, sector);
        VhdEdits.write(image, footerAt + 512, footer);
        VhdEdits.bothFooters(image, f -> f.putInt(60, VhdFooter.TYPE_DIFFERENCING));
        VhdEdits.dynamicHeader(image, h -> {
            h.put(40, parentId);
            byte[] name = parentName.getBytes(StandardCharsets.UTF_16BE);
            h.put(64, name);
            h.put(576, platform.getBytes(StandardCharsets.US_ASCII));
            h.putInt(580, 512);
            h.putInt(584, locatorData.length);
            h.putLong(592, footerAt);
        });
    }

    private long batEntry(int block) throws IOException {
        long table = VhdEdits.read(child, VhdEdits.dataOffset(child), 1024).getLong(16);
        return Integer.toUnsignedLong(VhdEdits.read(child, table + 4L * block, 4).getInt(0));
    }

    private void clearBitmapByte(int block, int index) throws IOException {
        setBitmapByte(block, index, 0);
    }

    private void setBitmapByte(int block, int index, int value) throws IOException {
        VhdEdits.write(child, 512 * batEntry(block) + index, ByteBuffer.wrap(new byte[] {(byte) value}));
    }

    /** Each sector from the child (as QEMU reads it) where present, else from the parent. */
    private Path expectedDisk() throws IOException {
        byte[] out = new byte[SIZE];
        for (int block = 0; block < SIZE / BLOCK; block++) {
            long entry = batEntry(block);
            byte[] bitmap = entry == 0xffffffffL ? null : VhdEdits.read(child, 512 * entry, 512).array();
            for (int s = 0; s < BLOCK / 512; s++) {
                boolean present = bitmap != null && (bitmap[s / 8] & (0x80 >>> (s % 8))) != 0;
                int at = block * BLOCK + s * 512;
                System.arraycopy(present ? childDisk : parentDisk, at, out, at, 512);
            }
        }
        Path expected = dir.resolve("expected.raw");
        Files.write(expected, out);
        return expected;
    }
}
