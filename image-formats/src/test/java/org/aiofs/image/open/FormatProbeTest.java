package org.aiofs.image.open;

import org.aiofs.aio.nativeio.Errno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.aiofs.aio.engine.SyncEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageException;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
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
        Tool.ok(dir, "qemu-img", "create", "-f", "qcow2", "a.qcow2", "1M");
        assertEquals("qcow2", FormatProbe.probe(dir.resolve("a.qcow2")).name());
        Files.write(dir.resolve("a.raw"), new byte[] {1, 2, 3});
        assertEquals("raw", FormatProbe.probe(dir.resolve("a.raw")).name());
        Files.write(dir.resolve("empty"), new byte[0]);
        assertEquals("raw", FormatProbe.probe(dir.resolve("empty")).name());
    }

    /** A format aiofs has no driver for is named and refused, never served as its raw bytes. */
    @ParameterizedTest
    @ValueSource(strings = {"qed", "parallels"})
    void formatsWithoutADriverAreRefusedByName(String format) throws Exception {
        Tool.ok(dir, "qemu-img", "create", "-f", format, "image", "4M");
        Path image = dir.resolve("image");
        ImageException e = assertThrows(ImageException.class, () -> FormatProbe.probe(image));
        assertTrue(e.getMessage().contains("a " + format + " image"), e.getMessage());
        assertEquals(Errno.ENOTSUP, e.errno());
        try (SyncEngine engine = new SyncEngine()) {
            assertThrows(ImageException.class, () -> new ImageOpener(engine).open(image, null, true));
            try (BlockImage asked = new ImageOpener(engine).open(image, "raw", true)) {
                assertEquals(Files.size(image), asked.size(), "--format raw shows the bytes as they are");
            }
        }
    }

    /** A FIFO (as the image or as a backing file) is refused at once: opening or reading it would block. */
    @Test
    void fifosAreRefusedWithoutBlocking() throws Exception {
        Tool.ok(dir, "mkfifo", "pipe");
        Tool.ok(dir, "qemu-img", "create", "-f", "qcow2", "-u", "-b", "pipe", "-F", "raw", "over.qcow2", "1M");
        try (SyncEngine engine = new SyncEngine()) {
            for (String image : new String[] {"pipe", "over.qcow2"}) {
                IOException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(
                        IOException.class, () -> new ImageOpener(engine).open(dir.resolve(image), null, true)));
                assertTrue(e.getMessage().contains("pipe: is a FIFO (named pipe), not an image file or block device"),
                        e.getMessage());
            }
        }
    }

    /** VHD (dynamic), VHDX and VDI are probed by their magic, as QEMU probes them. */
    @ParameterizedTest
    @ValueSource(strings = {"vpc", "vhdx", "vdi"})
    void blockMappedFormatsAreProbed(String format) throws Exception {
        Tool.ok(dir, "qemu-img", "create", "-f", format, "image", "4M");
        assertEquals(format, FormatProbe.probe(dir.resolve("image")).name());
        assertEquals(format, Qemu.info(dir.resolve("image")).get("format").asText(), "qemu-img probes it so too");
    }

    /** A fixed VHD has its footer only at the end: QEMU probes it as raw, and so does aiofs. */
    @Test
    void aFixedVhdProbesAsRawAsInQemu() throws Exception {
        Tool.ok(dir, "qemu-img", "create", "-f", "vpc", "-o", "subformat=fixed", "fixed.vhd", "4M");
        assertEquals("raw", FormatProbe.probe(dir.resolve("fixed.vhd")).name());
        assertEquals("raw", Qemu.info(dir.resolve("fixed.vhd")).get("format").asText());
    }

    @Test
    void unknownFormatNamesListTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageDrivers.byName("vmdkx"));
        assertTrue(e.getMessage().contains("qcow2") && e.getMessage().contains("raw"), e.getMessage());
        assertEquals("qcow2", ImageDrivers.byName("QCOW2").name());
    }
}
