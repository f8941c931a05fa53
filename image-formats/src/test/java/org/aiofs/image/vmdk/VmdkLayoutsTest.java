package org.aiofs.image.vmdk;

import static org.aiofs.image.vmdk.VmdkCorpus.convert;
import static org.aiofs.image.vmdk.VmdkCorpus.create;
import static org.aiofs.image.vmdk.VmdkCorpus.expected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.qcow2.DiskComparison;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layouts VMware's tools write and qemu-img does not, made by hand and judged by qemu-img convert. */
class VmdkLayoutsTest extends EngineTestBase {
    @TempDir
    Path dir;

    private void assertReadsAsQemu(Path image) throws Exception {
        Path expected = expected(image);
        try (BlockImage img = new ImageOpener(engine).open(image, null, true)) {
            DiskComparison.assertSameAsRaw(img, expected);
        }
    }

    @Test
    void streamOptimizedWithItsGrainDirectoryAfterTheStream() throws Exception {
        Path mixed = VmdkCorpus.mixedRaw(dir, "mixed.raw", 2 * 1024 * 1024, 21);
        Path qemu = convert(dir, mixed, "qemu-stream.vmdk", "subformat=streamOptimized");
        Path vmware = VmdkHandMade.gdAtEnd(qemu, dir.resolve("vmware-stream.vmdk"));
        assertEquals(-1L, Files.mismatch(expected(qemu), expected(vmware)), "QEMU reads both alike");
        assertReadsAsQemu(vmware);
    }

    @Test
    void descriptorWithEveryExtentType() throws Exception {
        byte[] flatA = new byte[16 * 512 + (1 << 20)];
        new Random(3).nextBytes(flatA);
        Files.write(dir.resolve("a-flat.bin"), flatA);
        create(dir, "b-sparse.vmdk", "", "2M", "write -P 0x51 100k 300k", "write -P 0x52 1M 64k");
        byte[] flatC = new byte[512 * 1024];
        new Random(4).nextBytes(flatC);
        Files.write(dir.resolve("c-vmfs.bin"), flatC);
        VmdkHandMade.cowd(dir.resolve("d-cowd.vmdk"), 2048, 16, new boolean[] {true, false, false, true, true});
        Path image = VmdkHandMade.descriptor(dir.resolve("mixed.vmdk"), "monolithicFlat",
                "RW 2048 FLAT \"a-flat.bin\" 16\nRW 4096 SPARSE \"b-sparse.vmdk\"\nRW 1024 VMFS \"c-vmfs.bin\"\n"
                        + "RW 2048 VMFSSPARSE \"d-cowd.vmdk\"\n", false);
        assertReadsAsQemu(image);
        try (BlockImage img = new ImageOpener(engine).open(image, null, true)) {
            assertEquals((2048 + 4096 + 1024 + 2048) * 512L, img.size());
        }
    }

    @Test
    void descriptorWithWindowsLineEnds() throws Exception {
        byte[] flat = new byte[1 << 20];
        new Random(5).nextBytes(flat);
        Files.write(dir.resolve("crlf-flat.bin"), flat);
        Path image = VmdkHandMade.descriptor(dir.resolve("crlf.vmdk"), "vmfs", "RW 2048 VMFS \"crlf-flat.bin\"\n",
                true);
        assertReadsAsQemu(image);
    }

    @Test
    void sparseFileWhoseDescriptorNamesOtherExtents() throws Exception {
        byte[] flat = new byte[1 << 20];
        new Random(6).nextBytes(flat);
        Files.write(dir.resolve("inner-flat.bin"), flat);
        Path image = VmdkHandMade.describingSparse(dir.resolve("describing.vmdk"), "monolithicFlat",
                "RW 2048 FLAT \"inner-flat.bin\" 0");
        assertReadsAsQemu(image);
    }

    /**
     * QEMU 7.2 reads an extent line twice when a blank line comes right before it (its sscanf
     * skips the newline and parses the next line from the blank one), so its disk is twice as
     * long; aiofs reads each line once: the disk is the flat file.
     */
    @Test
    void blankLineBeforeAnExtentLineCountsOnce() throws Exception {
        byte[] flat = new byte[1 << 20];
        new Random(7).nextBytes(flat);
        Files.write(dir.resolve("once-flat.bin"), flat);
        Path image = dir.resolve("once.vmdk");
        Files.writeString(image, "# Disk DescriptorFile\nversion=1\nCID=1\nparentCID=ffffffff\n"
                + "createType=\"monolithicFlat\"\n\nRW 2048 FLAT \"once-flat.bin\" 0\n");
        try (BlockImage img = new ImageOpener(engine).open(image, null, true)) {
            DiskComparison.assertSameAsRaw(img, dir.resolve("once-flat.bin"));
        }
    }

    @Test
    void splitChildOfAMonolithicSparseParent() throws Exception {
        create(dir, "p.vmdk", "", "3M", "write -P 0x11 0 3M");
        Path child = create(dir, "c.vmdk", "backing_file=p.vmdk,backing_fmt=vmdk,subformat=twoGbMaxExtentSparse",
                "3M", "write -P 0x12 1M 100k");
        assertReadsAsQemu(child);
    }
}
