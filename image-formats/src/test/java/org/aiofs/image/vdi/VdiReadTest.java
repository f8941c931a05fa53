package org.aiofs.image.vdi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.ImageInfo;
import org.aiofs.image.blockmap.SparseComparison;
import org.aiofs.image.open.ImageDrivers;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.qcow2.DiskComparison;
import org.aiofs.testing.Qemu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** VDIs made by qemu-img and qemu-io read byte for byte as qemu-img convert reads them. */
class VdiReadTest extends EngineTestBase {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"off, 10M", "on, 10M", "off, 10000000", "on, 33554433", "off, 300G"})
    void readsAsQemuConvertsIt(String isStatic, String size) throws Exception {
        Qemu.img(dir, "create", "-f", "vdi", "-o", "static=" + isStatic, "d.vdi", size);
        long virtualSize = Qemu.info(dir.resolve("d.vdi")).get("virtual-size").asLong();
        long last = virtualSize - 70000;
        Qemu.io(dir.resolve("d.vdi"), "vdi", "write -P 0x11 0 5000", "write -P 0x22 1048000 4096",
                "write -P 0x33 5M 3M", "write -P 0x44 " + last + " 70000");
        Path expected = dir.resolve("expected.raw");
        Qemu.img(dir, "convert", "-O", "raw", "d.vdi", expected.toString());
        try (BlockImage img = new ImageOpener(engine).open(dir.resolve("d.vdi"), null, true)) {
            assertEquals("vdi", img.format());
            assertEquals(virtualSize, img.size());
            if (virtualSize < (1L << 30)) {
                DiskComparison.assertSameAsRaw(img, expected);
            } else {
                SparseComparison.assertSameAsRaw(img, expected, 5L << 20, last - 1000);
            }
            ImageInfo info = ImageDrivers.describe(img);
            assertEquals(1 << 20, info.clusterSize());
        }
    }

    @Test
    void convertedRandomDataAndADiscardedBlock() throws Exception {
        byte[] data = new byte[6 << 20];
        new Random(5).nextBytes(data);
        Path raw = dir.resolve("src.raw");
        Files.write(raw, data);
        Qemu.img(dir, "convert", "-f", "raw", "-O", "vdi", raw.toString(), "d.vdi");
        // block 2 discarded (VirtualBox's 0xfffffffe): it reads as zeroes
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("d.vdi").toFile(), "rw")) {
            f.seek(0x200 + 2 * 4);
            f.writeInt(0xfeffffff); // little-endian 0xfffffffe
        }
        java.util.Arrays.fill(data, 2 << 20, 3 << 20, (byte) 0);
        Path expected = dir.resolve("expected.raw");
        Files.write(expected, data);
        try (BlockImage img = new ImageOpener(engine).open(dir.resolve("d.vdi"), null, true)) {
            DiskComparison.assertSameAsRaw(img, expected);
        }
        Qemu.img(dir, "convert", "-O", "raw", "d.vdi", "qemu.raw");
        assertEquals(-1, Files.mismatch(expected, dir.resolve("qemu.raw")), "QEMU reads it so too");
    }
}
