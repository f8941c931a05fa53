package org.aiofs.image.vmdk;

import org.aiofs.aio.nativeio.Errno;
import static org.aiofs.image.vmdk.VmdkCorpus.create;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.image.EngineTestBase;
import org.aiofs.image.ImageException;
import org.aiofs.image.open.FormatProbe;
import org.aiofs.image.open.ImageOpener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every file qemu-img makes as a vmdk is probed as one, as QEMU's vmdk_probe does; other text is not. */
class VmdkProbeTest extends EngineTestBase {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat",
            "streamOptimized"})
    void qemuImgSubformatsAreProbedAsVmdk(String subformat) throws Exception {
        Path image = create(dir, "p.vmdk", "subformat=" + subformat, "1M");
        assertEquals("vmdk", FormatProbe.probe(image).name());
    }

    @Test
    void descriptorTextIsProbedByItsVersionLine() throws Exception {
        assertEquals("vmdk", probe("# comment\n   \nversion=1\nCID=1\n"));
        assertEquals("vmdk", probe("version=3\r\ncreateType=\"vmfs\"\r\n"));
        assertEquals("raw", probe("\nversion=1\n"), "a line with no spaces is not blank to QEMU");
        assertEquals("raw", probe("version=4\n"));
        assertEquals("raw", probe("# Disk DescriptorFile\nCID=1\n"));
        assertEquals("raw", probe("hello"));
    }

    /** A vmdk has a magic a guest cannot fake from inside a raw disk: a probed one may be written. */
    @Test
    void aProbedVmdkOpensForWritingUnlessItsExtentsAreNeverWritten() throws Exception {
        Path image = create(dir, "w.vmdk", "", "1M");
        try (var img = new ImageOpener(engine).open(image, null, false)) {
            assertEquals(false, img.readOnly());
        }
        Path stream = create(dir, "s.vmdk", "subformat=streamOptimized", "1M");
        ImageException e = assertThrows(ImageException.class, () -> new ImageOpener(engine).open(stream, null, false));
        assertEquals(Errno.EROFS, e.errno());
        assertTrue(e.getMessage().contains("s.vmdk") && e.getMessage().contains("--read-only"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    private String probe(String text) throws Exception {
        Path p = dir.resolve("t.txt");
        Files.write(p, text.getBytes(StandardCharsets.US_ASCII));
        return FormatProbe.probe(p).name();
    }
}
