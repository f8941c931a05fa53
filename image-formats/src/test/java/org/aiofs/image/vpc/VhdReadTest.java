package org.aiofs.image.vpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.blockmap.SparseComparison;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.qcow2.DiskComparison;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** VHDs made by qemu-img and qemu-io read byte for byte as qemu-img convert reads them. */
class VhdReadTest extends EngineTestBase {
    @TempDir
    Path dir;

    /** Every option qemu-img offers for vpc: subformat, force_size, sizes that CHS rounds and ones it can't hold. */
    @ParameterizedTest
    @CsvSource({
        "dynamic, off, 10M",
        "dynamic, on, 10M",
        "dynamic, off, 33554943",
        "dynamic, on, 33555456",
        "fixed, off, 10M",
        "fixed, on, 13631999",
        "dynamic, off, 200G",
        "dynamic, on, 130G"})
    void readsAsQemuConvertsIt(String subformat, String forceSize, String size) throws Exception {
        Path image = dir.resolve("disk.vhd");
        Qemu.img(dir, "create", "-f", "vpc", "-o", "subformat=" + subformat + ",force_size=" + forceSize,
                image.toString(), size);
        long virtualSize = new ObjectMapper().readTree(Tool.ok(dir, "qemu-img", "info", "--output=json", "-f", "vpc",
                "disk.vhd")).get("virtual-size").asLong();
        long last = virtualSize - 70000;
        Qemu.io(dir.resolve("disk.vhd"), "vpc", "write -P 0x11 0 5000", "write -P 0x22 2096640 4096",
                "write -P 0x33 6M 3M", "write -P 0x44 " + last + " 70000");
        Path expected = dir.resolve("expected.raw");
        Qemu.img(dir, "convert", "-f", "vpc", "-O", "raw", "disk.vhd", expected.toString());
        try (BlockImage img = new ImageOpener(engine).open(image, "vpc", true)) {
            assertEquals(virtualSize, img.size(), "virtual size as qemu-img info says");
            if (virtualSize < (1L << 30)) {
                DiskComparison.assertSameAsRaw(img, expected);
            } else {
                SparseComparison.assertSameAsRaw(img, expected, 6L << 20, last - 1000);
            }
        }
    }

    @Test
    void convertedRandomDataAcrossBlocks() throws Exception {
        byte[] data = new byte[9 << 20];
        new Random(7).nextBytes(data);
        for (int i = 3 << 20; i < 4 << 20; i++) {
            data[i] = 0; // a zero block qemu-img convert leaves unallocated
        }
        Path raw = dir.resolve("src.raw");
        Files.write(raw, data);
        Qemu.img(dir, "convert", "-f", "raw", "-O", "vpc", "-o", "force_size=on", raw.toString(), "d.vhd");
        try (BlockImage img = new ImageOpener(engine).open(dir.resolve("d.vhd"), null, true)) {
            assertEquals("vpc", img.format());
            DiskComparison.assertSameAsRaw(img, raw);
        }
    }

    /**
     * A creator other than Virtual PC and old qemu-img (here VirtualBox's "vbox") sizes the disk by
     * current_size, as QEMU does since 10.0; the installed qemu-img reads it that way when told to.
     */
    @Test
    void otherCreatorsAreSizedByCurrentSize() throws Exception {
        Path image = dir.resolve("vbox.vhd");
        Qemu.img(dir, "create", "-f", "vpc", image.toString(), "10M");
        Qemu.io(dir.resolve("vbox.vhd"), "vpc", "write -P 0x5a 10000000 514432");
        VhdEdits.bothFooters(image, f -> {
            f.put(28, (byte) 'v').put(29, (byte) 'b').put(30, (byte) 'o').put(31, (byte) 'x');
            f.putLong(48, 10_240_000); // current_size, not what the geometry (10514432 bytes) says
        });
        Path expected = dir.resolve("expected.raw");
        Qemu.img(dir, "convert", "--image-opts", "-O", "raw",
                "driver=vpc,force_size_calc=current_size,file.filename=" + image, expected.toString());
        try (BlockImage img = new ImageOpener(engine).open(image, null, true)) {
            assertEquals(10_240_000, img.size());
            DiskComparison.assertSameAsRaw(img, expected);
        }
    }

    /** QEMU refuses a dynamic VHD whose footer copy at the start is damaged; aiofs reads it by the footer at the end. */
    @Test
    void damagedFooterCopyFallsBackToTheFooterAtTheEnd() throws Exception {
        Path image = dir.resolve("d.vhd");
        Qemu.img(dir, "create", "-f", "vpc", image.toString(), "8M");
        Qemu.io(dir.resolve("d.vhd"), "vpc", "write -P 0x61 1M 3M");
        Path expected = dir.resolve("expected.raw");
        Qemu.img(dir, "convert", "-f", "vpc", "-O", "raw", "d.vhd", expected.toString());
        java.nio.ByteBuffer head = VhdEdits.read(image, 0, 512);
        head.put(100, (byte) 1); // reserved byte: the checksum no longer matches
        VhdEdits.write(image, 0, head);
        assertNotEquals(0, Tool.run(dir, "qemu-img", "info", "d.vhd").exitCode(), "qemu-img refuses it");
        try (BlockImage img = new ImageOpener(engine).open(image, null, true)) {
            DiskComparison.assertSameAsRaw(img, expected);
        }
    }
}
