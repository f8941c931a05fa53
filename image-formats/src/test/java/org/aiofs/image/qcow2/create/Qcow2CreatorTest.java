package org.aiofs.image.qcow2.create;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.aiofs.image.CreateRequest;
import org.aiofs.image.ImageSize;
import org.aiofs.image.raw.RawCreator;
import org.aiofs.image.CheckResult;
import org.aiofs.image.qcow2.check.Qcow2Checker;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.aiofs.image.RepairMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Images made by the creator, judged by QEMU: qemu-img check clean, qemu-img info shows
 * every requested property, qemu-io can write into them and they stay clean; where QEMU
 * lays the metadata out the same way, the file is byte for byte what qemu-img create writes.
 */
class Qcow2CreatorTest {
    private static final long GIB = 1L << 30;

    @TempDir
    Path dir;

    /** Every combination of the options; the ones QEMU refuses are expected to be refused here too. */
    static Stream<String> optionCombinations() {
        List<String> out = new ArrayList<>();
        for (String compat : List.of("0.10", "1.1")) {
            for (int cluster : List.of(512, 16384, 65536, 2 << 20)) {
                for (String ext : List.of("off", "on")) {
                    for (int bits : List.of(1, 16, 64)) {
                        for (String lazy : List.of("off", "on")) {
                            for (String compression : List.of("zlib", "zstd")) {
                                out.add("compat=" + compat + ",cluster_size=" + cluster + ",extended_l2=" + ext
                                        + ",refcount_bits=" + bits + ",lazy_refcounts=" + lazy
                                        + ",compression_type=" + compression);
                            }
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("optionCombinations")
    void everyOptionCombinationIsWhatQemuMakes(String options) throws Exception {
        Tool.Result qemuCreate = Tool.run(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", options, "q.qcow2",
                String.valueOf(GIB));
        Qcow2CreateOptions o = Qcow2CreateOptions.defaults(GIB).with(CreateRequest.splitOptions(options));
        Path image = dir.resolve("a.qcow2");
        if (qemuCreate.exitCode() != 0) {
            assertThrows(IllegalArgumentException.class, () -> Qcow2Creator.create(image, o), options);
            assertTrue(Files.notExists(image));
            return;
        }
        Qcow2Creator.create(image, o);
        assertClean("a.qcow2");
        JsonNode info = Qemu.info(dir.resolve("a.qcow2"));
        assertEquals(GIB, info.get("virtual-size").asLong());
        assertEquals(o.clusterSize(), info.get("cluster-size").asInt());
        JsonNode data = info.get("format-specific").get("data");
        assertEquals(o.version() == 2 ? "0.10" : "1.1", data.get("compat").asText());
        if (o.version() == 3) {
            assertEquals(o.refcountBits(), data.get("refcount-bits").asInt());
            assertEquals(o.lazyRefcounts(), data.get("lazy-refcounts").asBoolean());
            assertEquals(o.extendedL2(), data.get("extended-l2").asBoolean());
            assertEquals(o.compressionType() == 1 ? "zstd" : "zlib", data.get("compression-type").asText());
        }
        if (Qcow2Layout.of(o).refcountBlocks() == 1) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("q.qcow2")), Files.readAllBytes(image), options);
        }
        Qemu.io(dir.resolve("a.qcow2"), "qcow2", "write -P 0xab 0 200k", "write -P 7 900M 64k", "write -z 500M 1M",
                "write -c -P 3 10M " + o.clusterSize());
        assertClean("a.qcow2");
        Qemu.io(dir.resolve("a.qcow2"), "qcow2", "read -P 0xab 0 200k", "read -P 7 900M 64k", "read -P 3 10M " + o.clusterSize());
    }

    private void assertClean(String image) throws Exception {
        Qemu.Verdict q = Qemu.check(dir.resolve(image));
        assertEquals(0, q.exit(), image + ": " + q.json());
        StringWriter messages = new StringWriter();
        CheckResult ours = Qcow2Checker.check(dir.resolve(image), RepairMode.NONE, new PrintWriter(messages));
        assertEquals(0, ours.exitCode(), messages.toString());
        assertEquals(q.count("image-end-offset"), ours.imageEndOffset());
    }

    @Test
    void sizesAreRoundedToSectorsAndLimitedAsQemuDoes() throws Exception {
        for (long size : new long[] {0, 1000, 512, 1L << 40, (1L << 40) + 12345}) {
            Files.deleteIfExists(dir.resolve("a.qcow2"));
            Files.deleteIfExists(dir.resolve("q.qcow2"));
            Qcow2Creator.create(dir.resolve("a.qcow2"), Qcow2CreateOptions.defaults(size));
            Tool.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "q.qcow2", String.valueOf(size));
            assertEquals(Qemu.info(dir.resolve("q.qcow2")).get("virtual-size"), Qemu.info(dir.resolve("a.qcow2")).get("virtual-size"));
            assertArrayEquals(Files.readAllBytes(dir.resolve("q.qcow2")), Files.readAllBytes(dir.resolve("a.qcow2")));
            assertClean("a.qcow2");
        }
        // 512-byte clusters address at most 32 MiB / 8 * 32 KiB = 128 TiB... less: QEMU and we refuse 2 TiB
        Qcow2CreateOptions tooBig = Qcow2CreateOptions.defaults(2L << 40).withClusterSize(512);
        assertNotEquals(0, Tool.run(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=512",
                "big.qcow2", "2T").exitCode());
        assertThrows(IllegalArgumentException.class, () -> Qcow2Creator.create(dir.resolve("big.qcow2"), tooBig));
    }

    @Test
    void manyRefcountBlocksWhenTheL1TableIsLarge() throws Exception {
        // 100 GiB at 512-byte clusters: a 25 MiB L1 table needs hundreds of refcount blocks
        Qcow2CreateOptions o = Qcow2CreateOptions.defaults(100 * GIB).withClusterSize(512).withRefcountBits(64);
        Qcow2Creator.create(dir.resolve("a.qcow2"), o);
        assertTrue(Qcow2Layout.of(o).refcountBlocks() > 1);
        assertClean("a.qcow2");
        Qemu.io(dir.resolve("a.qcow2"), "qcow2", "write -P 1 99G 1M");
        assertClean("a.qcow2");
    }

    @Test
    void backingFileAndFormatAreRecorded() throws Exception {
        Tool.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "base.qcow2", "10M");
        Qemu.io(dir.resolve("base.qcow2"), "qcow2", "write -P 5 0 1M");
        Files.write(dir.resolve("base.raw"), new byte[3 << 20]);
        for (String compat : List.of("0.10", "1.1")) {
            for (String[] b : List.of(new String[] {"base.qcow2", "qcow2"}, new String[] {"base.raw", "raw"})) {
                String image = "top-" + compat + "-" + b[1] + ".qcow2";
                Qcow2CreateOptions o = Qcow2CreateOptions.defaults(10 << 20).withVersion(compat.equals("0.10") ? 2 : 3)
                        .withBacking(b[0], b[1]);
                Qcow2Creator.create(dir.resolve(image), o);
                Tool.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "compat=" + compat, "-b", b[0], "-F",
                        b[1], "q-" + image, "10M");
                assertArrayEquals(Files.readAllBytes(dir.resolve("q-" + image)),
                        Files.readAllBytes(dir.resolve(image)), image);
                JsonNode info = Qemu.info(dir.resolve(image));
                assertEquals(b[0], info.get("backing-filename").asText());
                assertEquals(b[1], info.get("backing-filename-format").asText());
                assertClean(image);
                if (b[1].equals("qcow2")) {
                    Qemu.io(dir.resolve(image), "qcow2", "read -P 5 0 1M", "write -P 6 512k 4k", "read -P 5 0 512k");
                    assertClean(image);
                }
            }
        }
    }

    @Test
    void anExistingFileIsNeverOverwritten() throws Exception {
        Path image = dir.resolve("a.qcow2");
        Files.writeString(image, "precious");
        assertThrows(FileAlreadyExistsException.class,
                () -> Qcow2Creator.create(image, Qcow2CreateOptions.defaults(GIB)));
        assertThrows(FileAlreadyExistsException.class, () -> RawCreator.create(image, GIB));
        assertEquals("precious", Files.readString(image));
    }

    @Test
    void rawImagesAreSparseFilesOfTheSize() throws Exception {
        Path image = dir.resolve("a.raw");
        RawCreator.create(image, 5 * GIB);
        assertEquals(5 * GIB, Files.size(image));
        JsonNode info = Qemu.info(dir.resolve("a.raw"));
        assertEquals("raw", info.get("format").asText());
        assertTrue(info.get("actual-size").asLong() < (1 << 20), info.toString());
    }

    @Test
    void sizesParseAsQemuImgReadsThem() {
        assertEquals(1024, ImageSize.parse("1K"));
        assertEquals(1024, ImageSize.parse("1k"));
        assertEquals(10L << 20, ImageSize.parse("10M"));
        assertEquals(3L << 30, ImageSize.parse("3G"));
        assertEquals(2L << 40, ImageSize.parse("2T"));
        assertEquals(1536L << 20, ImageSize.parse("1.5G"));
        assertEquals(4096, ImageSize.parse("4096"));
        assertEquals(512, ImageSize.parse("512b"));
        assertThrows(IllegalArgumentException.class, () -> ImageSize.parse("12X"));
        assertThrows(IllegalArgumentException.class, () -> ImageSize.parse("-1G"));
        assertThrows(IllegalArgumentException.class, () -> ImageSize.parse("0.3"));
        assertThrows(IllegalArgumentException.class, () -> ImageSize.parse("9E"));
    }
}
