package org.aiofs.image.vmdk;

import org.aiofs.aio.nativeio.Errno;
import static org.aiofs.image.vmdk.VmdkCorpus.convert;
import static org.aiofs.image.vmdk.VmdkCorpus.create;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.aio.Futures;
import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.ImageException;
import org.aiofs.image.open.ImageOpener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-damaged disks: refused at open, or EIO on the read that meets the damage, naming the file and the field. */
class VmdkMalformedTest extends EngineTestBase {
    @TempDir
    Path dir;

    /** A monolithic sparse disk with data in its first grains. */
    private Path sparse(String name) throws Exception {
        return create(dir, name, "", "4M", "write -P 0x5a 0 200k");
    }

    private ImageException refused(Path image, String... expected) {
        return refused(image, image, expected);
    }

    /** Opening {@code image} fails naming {@code named} (the file with the damage) and each expected text. */
    private ImageException refused(Path image, Path named, String... expected) {
        ImageException e = assertThrows(ImageException.class,
                () -> new ImageOpener(engine).open(image, "vmdk", true).close());
        assertOneLine(e, named, expected);
        return e;
    }

    private static void assertOneLine(IOException e, Path image, String... expected) {
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.contains(image.getFileName().toString()), "names " + image.getFileName() + ": " + m);
        for (String s : expected) {
            assertTrue(m.contains(s), "mentions '" + s + "': " + m);
        }
    }

    private void readFails(Path image, long offset, String... expected) throws IOException {
        try (BlockImage img = new ImageOpener(engine).open(image, null, true)) {
            IOException e = assertThrows(IOException.class, () -> Futures.await(img.read(offset,
                    ByteBuffer.allocate(4096))));
            assertInstanceOf(ImageException.class, e);
            assertEquals(Errno.EIO, ((ImageException) e).errno());
            assertOneLine(e, image, expected);
        }
    }

    @Test
    void unsupportedVersion() throws Exception {
        Path p = sparse("v.vmdk");
        VmdkDamage.putInt(p, VmdkDamage.VERSION, 4);
        assertEquals(Errno.ENOTSUP, refused(p, "VMDK version 4 is not supported").errno());
    }

    @Test
    void grainTableSizes() throws Exception {
        Path p = sparse("gt.vmdk");
        VmdkDamage.putInt(p, VmdkDamage.GT_ENTRIES, 1024);
        refused(p, "numGTEsPerGT 1024 is outside 1..512");
        VmdkDamage.putInt(p, VmdkDamage.GT_ENTRIES, 0);
        refused(p, "numGTEsPerGT 0");
    }

    @Test
    void grainSizes() throws Exception {
        Path p = sparse("g.vmdk");
        VmdkDamage.putLong(p, VmdkDamage.GRAIN_SIZE, 0);
        refused(p, "grainSize 0 sectors is outside 1..2097152");
        VmdkDamage.putLong(p, VmdkDamage.GRAIN_SIZE, 1L << 40);
        refused(p, "grainSize 1099511627776 sectors");
    }

    @Test
    void capacities() throws Exception {
        Path p = sparse("c.vmdk");
        VmdkDamage.putLong(p, VmdkDamage.CAPACITY, 1L << 60);
        refused(p, "capacity 1152921504606846976 sectors is too large");
        VmdkDamage.putLong(p, VmdkDamage.CAPACITY, 1L << 50);
        refused(p, "needs a grain directory of 17179869184 entries, more than the limit of 8388608");
        VmdkDamage.putLong(p, VmdkDamage.CAPACITY, 1L << 36); // 32 TiB: a directory of 4 MiB, past the file's end
        refused(p, "grain directory (gdOffset)", "lies beyond the end of the file");
    }

    @Test
    void tablesOutsideTheFile() throws Exception {
        Path gd = sparse("gd.vmdk");
        VmdkDamage.putLong(gd, VmdkDamage.GD_OFFSET, 1L << 40);
        refused(gd, "grain directory (gdOffset) at 0x2000000000000", "lies beyond the end of the file");
        Path rgd = sparse("rgd.vmdk");
        VmdkDamage.putLong(rgd, VmdkDamage.RGD_OFFSET, 1L << 20);
        refused(rgd, "redundant grain directory (rgdOffset) at 0x20000000");
        Path over = sparse("over.vmdk");
        VmdkDamage.putLong(over, VmdkDamage.OVERHEAD, 1L << 20);
        refused(over, "file truncated: overHead says grains start at sector 1048576");
        Path huge = sparse("huge.vmdk");
        VmdkDamage.putLong(huge, VmdkDamage.GD_OFFSET, -2L);
        refused(huge, "gdOffset 0xfffffffffffffffe is beyond any file");
    }

    @Test
    void compressionAndNewlineChecks() throws Exception {
        Path alg = sparse("alg.vmdk");
        VmdkDamage.putShort(alg, VmdkDamage.COMPRESS_ALGORITHM, 7);
        assertEquals(Errno.ENOTSUP, refused(alg, "compressAlgorithm 7 is not supported").errno());
        Path nl = sparse("nl.vmdk");
        VmdkDamage.put(nl, VmdkDamage.NEWLINES, new byte[] {'\n', ' ', '\n', 0}); // \r\n became \n
        refused(nl, "newline check bytes are damaged");
    }

    @Test
    void grainDirectoryEntryPastTheEnd() throws Exception {
        Path p = sparse("gde.vmdk");
        VmdkDamage.putInt(p, VmdkDamage.firstGdEntry(p), 0x7fffffff);
        readFails(p, 0, "grain table at 0xfffffffe00", "lies beyond the end of the file");
    }

    @Test
    void grainTableEntryPastTheEnd() throws Exception {
        Path p = sparse("gte.vmdk");
        VmdkDamage.putInt(p, VmdkDamage.gtEntry(p, 1), 0x10000000);
        readFails(p, 65536, "points the grain at extent offset 0x10000 to sector 268435456, past the end of the file");
        try (BlockImage img = new ImageOpener(engine).open(p, null, true)) {
            Futures.await(img.read(0, ByteBuffer.allocate(65536))); // the grain before still reads
        }
    }

    @Test
    void damagedCompressedGrains() throws Exception {
        Path mixed = VmdkCorpus.mixedRaw(dir, "m.raw", 1 << 20, 3);
        Path p = convert(dir, mixed, "z.vmdk", "subformat=streamOptimized");
        long grain = VmdkDamage.getInt(p, VmdkDamage.gtEntry(p, 0)) * 512;
        VmdkDamage.put(p, grain + 12, new byte[] {0x78, (byte) 0x9c, (byte) 0xff, (byte) 0xff, (byte) 0xff});
        readFails(p, 0, "compressed grain at 0x" + Long.toHexString(grain), "zlib data is invalid");
        VmdkDamage.putInt(p, grain + 8, 0);
        readFails(p, 0, "compressed grain at 0x" + Long.toHexString(grain), "the marker's size 0 is 0 or larger");
        long third = VmdkDamage.getInt(p, VmdkDamage.gtEntry(p, 2)) * 512;
        VmdkDamage.putInt(p, third + 8, 3);
        readFails(p, 2 * 65536 + 100, "compressed grain at 0x" + Long.toHexString(third), "zlib stream ends early");
    }

    /** A grain that inflates short is refused on every read past its end, whether it was inflated already or not. */
    @Test
    void compressedGrainShorterThanTheHeaderSays() throws Exception {
        Path p = convert(dir, VmdkCorpus.mixedRaw(dir, "s.raw", 1 << 20, 5), "short.vmdk",
                "subformat=streamOptimized");
        VmdkDamage.putLong(p, VmdkDamage.GRAIN_SIZE, 256); // 128 KiB grains, but they inflate to 64 KiB
        try (BlockImage img = new ImageOpener(engine).open(p, null, true)) {
            Futures.await(img.read(0, ByteBuffer.allocate(4096)));
            for (int attempt = 0; attempt < 2; attempt++) { // the second time the grain comes from the cache
                IOException e = assertThrows(IOException.class, () -> Futures.await(img.read(65536,
                        ByteBuffer.allocate(4096))));
                assertInstanceOf(ImageException.class, e);
                assertOneLine(e, p, "inflates to 65536 bytes, fewer than the read needs (69632)");
            }
        }
    }

    @Test
    void streamFooterMissing() throws Exception {
        Path p = convert(dir, VmdkCorpus.mixedRaw(dir, "f.raw", 1 << 19, 4), "nofooter.vmdk",
                "subformat=streamOptimized");
        VmdkDamage.putLong(p, VmdkDamage.GD_OFFSET, -1L);
        refused(p, "the last three sectors are not a footer marker, footer and end-of-stream marker");
    }

    @Test
    void embeddedDescriptorWithoutCid() throws Exception {
        Path p = sparse("nocid.vmdk");
        VmdkDamage.put(p, 512, new byte[512]);
        refused(p, "the descriptor has no CID");
    }

    @Test
    void extentFiles() throws Exception {
        Path missing = VmdkHandMade.descriptor(dir.resolve("missing.vmdk"), "monolithicFlat",
                "RW 2048 FLAT \"nowhere.bin\" 0\n", false);
        refused(missing, "extent nowhere.bin cannot be opened");
        Files.write(dir.resolve("short.bin"), new byte[1000]);
        Path shortFlat = VmdkHandMade.descriptor(dir.resolve("shortflat.vmdk"), "monolithicFlat",
                "RW 2048 FLAT \"short.bin\" 0\n", false);
        refused(shortFlat, "FLAT extent", "short.bin holds 1000 bytes, too few for 2048 sectors from sector 0");
        Files.write(dir.resolve("notvmdk.bin"), new byte[4096]);
        Path notSparse = VmdkHandMade.descriptor(dir.resolve("notsparse.vmdk"), "twoGbMaxExtentSparse",
                "RW 8 SPARSE \"notvmdk.bin\"\n", false);
        refused(notSparse, dir.resolve("notvmdk.bin"), "not a VMDK sparse extent (no KDMV or COWD magic)");
        sparse("inner.vmdk");
        Path mismatch = VmdkHandMade.descriptor(dir.resolve("mismatch.vmdk"), "twoGbMaxExtentSparse",
                "RW 100 SPARSE \"inner.vmdk\"\n", false);
        refused(mismatch, "extent \"inner.vmdk\" is 100 sectors in the descriptor but 8192 in its own header");
        Path self = VmdkHandMade.descriptor(dir.resolve("self.vmdk"), "monolithicFlat",
                "RW 1 FLAT \"self.vmdk\" 0\n", false);
        refused(self, "extent 'self.vmdk' is " + self + ", already part of this image (as its image): a loop");
        Path none = VmdkHandMade.descriptor(dir.resolve("none.vmdk"), "monolithicFlat", "", false);
        refused(none, "the descriptor names no extent");
        Path se = VmdkHandMade.descriptor(dir.resolve("se.vmdk"), "seSparse", "RW 8 SESPARSE \"inner.vmdk\"\n",
                false);
        assertEquals(Errno.ENOTSUP, refused(se, "seSparse extent \"inner.vmdk\" is not supported").errno());
    }

    @Test
    void cowdDirectoryTooSmall() throws Exception {
        Path cowd = VmdkHandMade.cowd(dir.resolve("cowd.vmdk"), 2048, 8, new boolean[] {true});
        VmdkDamage.putInt(cowd, 12, 1 << 30); // disk_sectors: 512 GiB need 32768 directory entries, it has one
        Path image = VmdkHandMade.descriptor(dir.resolve("d.vmdk"), "vmfsSparse", "RW 1073741824 VMFSSPARSE"
                + " \"cowd.vmdk\"\n", false);
        refused(image, cowd, "l1dir_size 1 is too small for 1073741824 sectors (needs 32768)");
    }

    @Test
    void parents() throws Exception {
        create(dir, "base.vmdk", "", "1M", "write -P 1 0 1M");
        Path child = create(dir, "child.vmdk", "backing_file=base.vmdk,backing_fmt=vmdk", "1M");
        // the parent is rewritten after the child was made from it: QEMU reads nothing through it
        create(dir, "base.vmdk", "", "1M");
        refused(child, "parentCID", "is not the CID of the parent");
        Files.delete(dir.resolve("base.vmdk"));
        refused(child, "base.vmdk");
        // a loop: each names the other
        create(dir, "a.vmdk", "", "1M");
        Path b = create(dir, "b.vmdk", "backing_file=a.vmdk,backing_fmt=vmdk", "1M");
        String hint = "parentFileNameHint=\"b.vmdk\"\n";
        byte[] desc = VmdkDamage.get(dir.resolve("a.vmdk"), 512, 512);
        String text = new String(desc, StandardCharsets.ISO_8859_1);
        String withHint = text.replace("createType=", hint + "createType=").substring(0, 512 - 0);
        VmdkDamage.put(dir.resolve("a.vmdk"), 512, withHint.getBytes(StandardCharsets.ISO_8859_1));
        refused(b, "already part of this image (as its image): a loop, refused");
    }

    @Test
    void tooShortForAnything() throws Exception {
        Path p = dir.resolve("tiny.vmdk");
        Files.write(p, new byte[] {'K', 'D', 'M'});
        refused(p, "file too short (3 bytes) for a VMDK image");
        Files.write(p, new byte[] {'K', 'D', 'M', 'V', 1, 0, 0, 0});
        refused(p, "file too short (8 bytes) for a VMDK4 header");
    }
}
