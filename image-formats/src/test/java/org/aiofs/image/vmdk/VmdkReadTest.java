package org.aiofs.image.vmdk;

import static org.aiofs.image.vmdk.VmdkCorpus.convert;
import static org.aiofs.image.vmdk.VmdkCorpus.create;
import static org.aiofs.image.vmdk.VmdkCorpus.expected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.blockmap.SparseComparison;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.qcow2.DiskComparison;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every subformat qemu-img makes, read through BlockImage, byte for byte as qemu-img convert reads it. */
class VmdkReadTest extends EngineTestBase {
    @TempDir
    Path dir;

    private BlockImage open(Path image) throws Exception {
        return new ImageOpener(engine).open(image, null, true);
    }

    private void assertReadsAsQemu(Path image) throws Exception {
        try (BlockImage img = open(image)) {
            assertEquals("vmdk", img.format());
            DiskComparison.assertSameAsRaw(img, expected(image));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat"})
    void subformatWrittenByQemuIo(String subformat) throws Exception {
        Path image = create(dir, subformat + ".vmdk", "subformat=" + subformat, "5M", "write -P 0x61 0 100k",
                "write -P 0x62 131000 70000", "write -P 0x63 1M 1", "write -z 2M 128k", "write -P 0x64 4M 1M");
        assertReadsAsQemu(image);
    }

    @Test
    void zeroedGrainsReadAsZeroesAndHideNothing() throws Exception {
        Path image = create(dir, "zg.vmdk", "zeroed_grain=on", "4M", "write -P 0x71 0 1M", "write -z 64k 128k",
                "write -z 700k 10k");
        assertReadsAsQemu(image);
    }

    @ParameterizedTest
    @ValueSource(strings = {"adapter_type=lsilogic,hwversion=7", "compat6=on", "adapter_type=buslogic",
            "adapter_type=legacyESX,toolsversion=12", "subformat=monolithicFlat,preallocation=full",
            "subformat=twoGbMaxExtentFlat,preallocation=falloc"})
    void descriptorOptionsChangeNothingOfTheData(String options) throws Exception {
        Path image = create(dir, "o.vmdk", options, "3M", "write -P 0x21 4096 200k", "write -P 0x22 2M 512");
        assertReadsAsQemu(image);
    }

    @Test
    void streamOptimizedFromMixedData() throws Exception {
        Path mixed = VmdkCorpus.mixedRaw(dir, "mixed.raw", 3 * 1024 * 1024 + 512 * 7, 11);
        Path image = convert(dir, mixed, "stream.vmdk", "subformat=streamOptimized");
        assertReadsAsQemu(image);
    }

    @Test
    void sizeNotAMultipleOfTheGrain() throws Exception {
        Path mixed = VmdkCorpus.mixedRaw(dir, "odd.raw", 1024 * 1024 + 512 * 3, 12);
        assertReadsAsQemu(convert(dir, mixed, "odd-stream.vmdk", "subformat=streamOptimized"));
        assertReadsAsQemu(convert(dir, mixed, "odd-sparse.vmdk", "subformat=monolithicSparse"));
        assertReadsAsQemu(convert(dir, mixed, "odd-flat.vmdk", "subformat=twoGbMaxExtentFlat"));
    }

    @Test
    void parentChainsOfThreeLevels() throws Exception {
        create(dir, "base.vmdk", "", "4M", "write -P 0x31 0 4M");
        create(dir, "mid.vmdk", "backing_file=base.vmdk,backing_fmt=vmdk,subformat=twoGbMaxExtentSparse", "4M",
                "write -P 0x32 1M 1M", "write -P 0x33 100 1000");
        Path top = create(dir, "top.vmdk", "backing_file=mid.vmdk,backing_fmt=vmdk,zeroed_grain=on", "6M", "write -P 0x34 1536k 64k",
                "write -z 3M 64k", "write -P 0x35 5M 4k");
        assertReadsAsQemu(top);
        try (BlockImage img = open(top)) {
            assertEquals(2, org.aiofs.image.ImageInfo.backingChain(img).size());
        }
    }

    @Test
    void extentsAcrossTheTwoGigabyteBoundary() throws Exception {
        for (String sub : new String[] {"twoGbMaxExtentSparse", "twoGbMaxExtentFlat"}) {
            Path image = create(dir, sub + ".vmdk", "subformat=" + sub, "2100M", "write -P 0x41 2047M 2M",
                    "write -P 0x42 0 64k", "write -P 0x43 2099M 1M");
            try (BlockImage img = open(image)) {
                // the window where the second extent begins, beside the first and last 4 MiB
                SparseComparison.assertSameAsRaw(img, expected(image), (2L << 30) - (2 << 20));
                assertTrue(img.size() > 2L << 30);
            }
        }
    }
}
