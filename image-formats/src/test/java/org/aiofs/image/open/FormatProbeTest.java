package org.aiofs.image.open;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.aio.engine.SyncEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageException;
import org.aiofs.image.qcow2.check.Qemu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The registry's probe, judged on images qemu-img makes. */
class FormatProbeTest {
    @TempDir
    Path dir;

    @Test
    void qcow2IsProbedByItsMagicAndAnythingElseAsRaw() throws Exception {
        Qemu.ok(dir, "qemu-img", "create", "-f", "qcow2", "a.qcow2", "1M");
        assertEquals("qcow2", FormatProbe.probe(dir.resolve("a.qcow2")).name());
        Files.write(dir.resolve("a.raw"), new byte[] {1, 2, 3});
        assertEquals("raw", FormatProbe.probe(dir.resolve("a.raw")).name());
        Files.write(dir.resolve("empty"), new byte[0]);
        assertEquals("raw", FormatProbe.probe(dir.resolve("empty")).name());
    }

    /** A format aiofs has no driver for is named and refused, never served as its raw bytes. */
    @ParameterizedTest
    @ValueSource(strings = {"vmdk", "vpc", "vhdx", "vdi", "qed", "parallels"})
    void formatsWithoutADriverAreRefusedByName(String format) throws Exception {
        Qemu.ok(dir, "qemu-img", "create", "-f", format, "image", "4M");
        Path image = dir.resolve("image");
        ImageException e = assertThrows(ImageException.class, () -> FormatProbe.probe(image));
        assertTrue(e.getMessage().contains("a " + format + " image"), e.getMessage());
        assertEquals(ImageException.ENOTSUP, e.errno());
        try (SyncEngine engine = new SyncEngine()) {
            assertThrows(ImageException.class, () -> new ImageOpener(engine).open(image, null, true));
            try (BlockImage asked = new ImageOpener(engine).open(image, "raw", true)) {
                assertEquals(Files.size(image), asked.size(), "--format raw shows the bytes as they are");
            }
        }
    }

    @Test
    void unknownFormatNamesListTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageDrivers.byName("vmdkx"));
        assertTrue(e.getMessage().contains("qcow2") && e.getMessage().contains("raw"), e.getMessage());
        assertEquals("qcow2", ImageDrivers.byName("QCOW2").name());
    }
}
