package org.aiofs.image.vdi;

import org.aiofs.testing.Qemu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

import org.aiofs.image.EngineTestBase;
import org.aiofs.image.ImageException;
import org.aiofs.image.open.ImageOpener;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Hand-damaged VDIs are refused with one line naming the file and the field. */
class VdiMalformedTest extends EngineTestBase {
    @TempDir
    Path dir;
    private Path image;

    @BeforeEach
    void makeImage() throws Exception {
        image = dir.resolve("bad.vdi");
        Qemu.img(dir, "create", "-f", "vdi", image.toString(), "8M");
        Qemu.io(dir.resolve("bad.vdi"), "vdi", "write -P 1 0 3M");
    }

    /** Each row: the little-endian 32-bit field at an offset, its new value, and what the message names. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0x44  | 0x00010000 | VDI version 1.0",
        "0x4c  | 3          | image_type 3",
        "0x168 | 4096       | sector_size 4096",
        "0x178 | 0x200000   | block_size 2097152",
        "0x17c | 512        | block_extra 512",
        "0x180 | 0x7fffffff | blocks_in_image 2147483647",
        "0x180 | 2          | disk_size 8388608",
        "0x154 | 0x40000000 | offset_bmap 0x40000000",
        "0x154 | 0x201      | offset_bmap 0x201",
        "0x158 | 0x100      | offset_data 0x100",
        "0x1b8 | 1          | uuid_parent",
        "0x1a8 | 1          | uuid_link",
        "0x200 | 100        | block map entry 0 names data block 100",
        "0x204 | 0          | block map entry 1 names data block 0, which an earlier entry uses"})
    void fieldIsNamed(String offset, String value, String fragment) throws Exception {
        putInt(Long.decode(offset.strip()), Long.decode(value.strip()).intValue());
        ImageException e = assertThrows(ImageException.class, () -> new ImageOpener(engine).open(image, null, true));
        String m = e.getMessage();
        assertTrue(m.startsWith(image + ": "), m);
        assertFalse(m.contains("\n"), m);
        assertTrue(m.contains(fragment), "'" + fragment + "' missing from: " + m);
    }

    private void putInt(long offset, int value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(offset);
            f.writeInt(Integer.reverseBytes(value));
        }
    }
}
