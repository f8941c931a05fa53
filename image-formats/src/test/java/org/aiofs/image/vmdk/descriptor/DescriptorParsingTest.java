package org.aiofs.image.vmdk.descriptor;

import org.aiofs.aio.nativeio.Errno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.aiofs.image.ImageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Descriptors read as QEMU's block/vmdk.c reads them, and the lines it would silently drop refused. */
class DescriptorParsingTest {
    private static DescriptorText text(String s) {
        return DescriptorText.decode(ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void textEndsAtTheFirstNulByte() {
        assertEquals("CID=1", text("CID=1\0CID=2").text());
    }

    @Test
    void quotedValuesSkipExactlyTwoCharactersAfterTheKey() throws Exception {
        assertEquals("twoGbMaxExtentFlat", text("createType=\"twoGbMaxExtentFlat\"\n").quotedValue("createType"));
        // QEMU's parser assumes '="': with blanks around '=' the value is what lies before the first quote
        assertEquals(" ", text("createType = \"vmfs\"").quotedValue("createType"));
        assertNull(text("createType=\"vmfs").quotedValue("createType"));
        ImageException e = assertThrows(ImageException.class, () -> CreateType.of("d.vmdk",
                text("createType = \"vmfs\"")));
        assertTrue(e.getMessage().contains("createType \" \" is not supported"), e.getMessage());
        assertEquals("vmfs", CreateType.of("d.vmdk", text("x\ncreateType=\"vmfs\"\n")));
    }

    @Test
    void descriptorFilesOfEmbeddedTypesAreRefusedAsQemuRefusesThem() {
        for (String type : List.of("monolithicSparse", "streamOptimized", "vmfsRaw", "fullDevice")) {
            ImageException e = assertThrows(ImageException.class, () -> CreateType.of("d.vmdk",
                    text("createType=\"" + type + "\"")));
            assertEquals(Errno.ENOTSUP, e.errno());
            assertTrue(e.getMessage().startsWith("d.vmdk: VMDK createType \"" + type + "\""), e.getMessage());
        }
        ImageException none = assertThrows(ImageException.class, () -> CreateType.of("d.vmdk", text("version=1\n")));
        assertTrue(none.getMessage().contains("no createType"), none.getMessage());
    }

    @Test
    void cidsAreReadLikeSscanfHex() throws Exception {
        assertEquals(0xfffffffeL, text("CID=fffffffe\n").hexAfter("CID"));
        assertEquals(0x1fL, text("CID=0x1f").hexAfter("CID"));
        assertEquals(0x1fL, text("CID= 1F").hexAfter("CID"));
        assertEquals(0x23456789L, text("CID=123456789").hexAfter("CID"), "glibc keeps the low 32 bits");
        assertEquals(0xffffffffL, text("CID=123456789abcdef0123").hexAfter("CID"), "beyond 64 bits: ULONG_MAX");
        assertEquals(0xffffffffL, text("CID=-1").hexAfter("CID"));
        assertNull(text("CID=zz").hexAfter("CID"));
        assertNull(text("cid=12").hexAfter("CID"));
        // the first "CID" in the text wins, even inside parentCID (QEMU's strstr)
        DescriptorIds ids = DescriptorIds.read("d.vmdk", text("parentCID=ffffffff\nCID=12\n"));
        assertEquals(0xffffffffL, ids.cid());
        assertEquals(0xffffffffL, ids.parentCid());
    }

    @Test
    void idsComeFromTheFirstTwentySectorsOnly() {
        String filler = "#".repeat(DescriptorText.ID_WINDOW_BYTES) + "\n";
        ImageException e = assertThrows(ImageException.class, () -> DescriptorIds.read("d.vmdk",
                text(filler + "CID=1\nparentCID=ffffffff\n")));
        assertTrue(e.getMessage().contains("no CID"), e.getMessage());
    }

    @Test
    void parentHints() throws Exception {
        assertEquals("base.vmdk", DescriptorIds.read("d.vmdk",
                text("CID=1\nparentCID=2\nparentFileNameHint=\"base.vmdk\"\n")).parentHint());
        assertNull(DescriptorIds.read("d.vmdk", text("CID=1\nparentCID=2\nparentFileNameHint=\"\"\n")).parentHint(),
                "an empty hint is no parent");
        assertEquals("b\u00e4se.vmdk", DescriptorIds.read("d.vmdk", DescriptorText.decode(ByteBuffer.wrap(
                "CID=1\nparentCID=2\nparentFileNameHint=\"b\u00e4se.vmdk\"".getBytes(StandardCharsets.UTF_8))))
                .parentHint(), "names are UTF-8");
        ImageException open = assertThrows(ImageException.class, () -> DescriptorIds.read("d.vmdk",
                text("CID=1\nparentCID=2\nparentFileNameHint=\"base.vmdk\n")));
        assertTrue(open.getMessage().contains("parentFileNameHint has no closing quote"), open.getMessage());
        ImageException noParentCid = assertThrows(ImageException.class, () -> DescriptorIds.read("d.vmdk",
                text("CID=1\n")));
        assertTrue(noParentCid.getMessage().contains("no parentCID"), noParentCid.getMessage());
    }

    @Test
    void extentLinesOfEveryType() throws Exception {
        List<ExtentLine> lines = ExtentLines.parse("d.vmdk", text("""
                # Extent description
                RW 4194304 SPARSE "disk-s001.vmdk"
                  RW 100 FLAT "with space.bin" 16
                RW 8 VMFS "/abs/vmfs-flat.vmdk"\r
                RW 2048 VMFSSPARSE "delta.vmdk"
                RW 2048 SESPARSE "se.vmdk"
                ddb.adapterType = "ide"
                RWX 1 FLAT "ignored" 0
                """));
        assertEquals(List.of("SPARSE", "FLAT", "VMFS", "VMFSSPARSE", "SESPARSE"),
                lines.stream().map(ExtentLine::type).toList());
        assertEquals(new ExtentLine(100, "FLAT", "with space.bin", 16, "RW 100 FLAT \"with space.bin\" 16"),
                lines.get(1));
        assertEquals("/abs/vmfs-flat.vmdk", lines.get(2).fileName());
        assertEquals(4194304, lines.get(0).sectors());
    }

    @ParameterizedTest
    @ValueSource(strings = {"RW 100 FLAT \"a.bin\"", "RW 100 FLAT \"a.bin\" -1", "RW 100 SPARSE \"a.vmdk\" 0",
            "RW 100 VMFS \"a.bin\" 0", "RW 100 FLAT", "RW 0 FLAT \"a.bin\" 0", "RW -5 SPARSE \"a.vmdk\"",
            "RW 100 FLAT \"\" 0", "RW x FLAT \"a.bin\" 0", "RW 100 FLATTENEDXY \"a.bin\" 0"})
    void invalidExtentLinesAreRefusedNamingTheLine(String line) {
        ImageException e = assertThrows(ImageException.class, () -> ExtentLines.parse("d.vmdk", text(line + "\n")));
        assertTrue(e.getMessage().startsWith("d.vmdk: invalid extent line '" + line + "'"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void linesQemuWouldLeaveOutAreRefused() {
        ImageException access = assertThrows(ImageException.class, () -> ExtentLines.parse("d.vmdk",
                text("RDONLY 100 SPARSE \"base.vmdk\"\n")));
        assertTrue(access.getMessage().contains("has access RDONLY"), access.getMessage());
        ImageException type = assertThrows(ImageException.class, () -> ExtentLines.parse("d.vmdk",
                text("RW 100 VMFSRDM \"lun.vmdk\"\n")));
        assertTrue(type.getMessage().contains("extent type VMFSRDM is not supported"), type.getMessage());
        ImageException zero = assertThrows(ImageException.class, () -> ExtentLines.parse("d.vmdk",
                text("RW 100 ZERO\n")));
        assertTrue(zero.getMessage().contains("invalid extent line 'RW 100 ZERO'"), zero.getMessage());
    }

    @Test
    void namesUpTo511Bytes() throws Exception {
        String longest = "n".repeat(511);
        assertEquals(longest, ExtentLines.parse("d.vmdk", text("RW 1 VMFS \"" + longest + "\"\n")).get(0)
                .fileName());
        assertThrows(ImageException.class, () -> ExtentLines.parse("d.vmdk", text("RW 1 VMFS \"" + longest
                + "n\"\n")));
    }

    @Test
    void controlCharactersNeverBreakTheMessage() {
        ImageException e = assertThrows(ImageException.class, () -> ExtentLines.parse("d.vmdk",
                text("RW 1 FLAT \"a\u001b[31m.bin\"\r\n")));
        assertEquals(1, e.getMessage().lines().count());
        assertTrue(!e.getMessage().contains("\u001b"), e.getMessage());
    }
}
