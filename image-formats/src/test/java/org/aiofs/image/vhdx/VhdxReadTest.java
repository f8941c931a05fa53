package org.aiofs.image.vhdx;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

/** VHDX files made by qemu-img and qemu-io read byte for byte as qemu-img convert reads them. */
class VhdxReadTest extends EngineTestBase {
    @TempDir
    Path dir;

    /** Every option qemu-img offers for vhdx: subformat, block_size, log_size, block_state_zero; odd sizes. */
    @ParameterizedTest
    @CsvSource({
        "dynamic, 0, 1M, on, 20M",
        "dynamic, 1M, 1M, off, 20M",
        "dynamic, 2M, 4M, on, 10000384",
        "fixed, 0, 1M, on, 20M",
        "fixed, 1M, 2M, off, 12345600",
        "dynamic, 256M, 1M, on, 600M",
        "dynamic, 0, 1M, on, 100G",
        "dynamic, 1M, 1M, on, 9G"})
    void readsAsQemuConvertsIt(String subformat, String blockSize, String logSize, String zero, String size)
            throws Exception {
        Qemu.img(dir, "create", "-f", "vhdx", "-o", "subformat=" + subformat + ",block_size=" + blockSize
                + ",log_size=" + logSize + ",block_state_zero=" + zero, "d.vhdx", size);
        long virtualSize = Qemu.info(dir.resolve("d.vhdx")).get("virtual-size").asLong();
        long last = virtualSize - 70000;
        Qemu.io(dir.resolve("d.vhdx"), "vhdx", "write -P 0x11 0 5000", "write -P 0x22 1048000 4096",
                "write -P 0x33 5M 3M", "write -P 0x44 " + last + " 70000");
        Path expected = dir.resolve("expected.raw");
        Qemu.img(dir, "convert", "-O", "raw", "d.vhdx", expected.toString());
        try (BlockImage img = new ImageOpener(engine).open(dir.resolve("d.vhdx"), null, true)) {
            assertEquals("vhdx", img.format());
            assertEquals(virtualSize, img.size());
            if (virtualSize < (1L << 30)) {
                DiskComparison.assertSameAsRaw(img, expected);
            } else {
                SparseComparison.assertSameAsRaw(img, expected, 5L << 20, last - 1000);
            }
            ImageInfo info = ImageDrivers.describe(img);
            assertEquals(Qemu.info(dir.resolve("d.vhdx")).get("cluster-size").asInt(), info.clusterSize());
        }
    }

    @Test
    void convertedRandomData() throws Exception {
        byte[] data = new byte[13 << 20];
        new Random(9).nextBytes(data);
        java.util.Arrays.fill(data, 4 << 20, 6 << 20, (byte) 0);
        Path raw = dir.resolve("src.raw");
        Files.write(raw, data);
        Qemu.img(dir, "convert", "-f", "raw", "-O", "vhdx", "-o", "block_size=1M", raw.toString(), "d.vhdx");
        try (BlockImage img = new ImageOpener(engine).open(dir.resolve("d.vhdx"), null, true)) {
            DiskComparison.assertSameAsRaw(img, raw);
        }
    }
}
