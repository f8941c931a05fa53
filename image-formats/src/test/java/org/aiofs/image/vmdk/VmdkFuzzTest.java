package org.aiofs.image.vmdk;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.aiofs.aio.Futures;
import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.ImageException;
import org.aiofs.image.open.ImageOpener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random damage to every file of real disks (headers, descriptors, grain directories and
 * tables, compressed grains, extent files, the parent): every open and read either succeeds or
 * fails with an ImageException of one line; never a runtime exception, an error or a hang.
 */
class VmdkFuzzTest extends EngineTestBase {
    private static final int ROUNDS = 120;

    @TempDir
    Path dir;

    /** A file to damage and the disk to open afterwards (the same, or the disk that names it). */
    private record Target(Path damaged, Path opened) {
    }

    @Test
    void randomlyDamagedFilesNeverCrash() throws Exception {
        List<VmdkCorpus.Disk> seeds = VmdkCorpus.seeds(dir);
        List<Target> targets = new ArrayList<>();
        for (VmdkCorpus.Disk d : seeds) {
            targets.add(new Target(d.image(), d.image()));
        }
        targets.add(new Target(dir.resolve("flat-flat.vmdk"), dir.resolve("flat.vmdk")));
        targets.add(new Target(dir.resolve("split-s001.vmdk"), dir.resolve("split.vmdk")));
        targets.add(new Target(dir.resolve("sparse.vmdk"), dir.resolve("child.vmdk")));
        targets.add(new Target(dir.resolve("cowd-s.vmdk"), dir.resolve("cowd.vmdk")));
        Random random = new Random(20261129);
        int opened = 0;
        for (Target t : targets) {
            assertTrue(Files.exists(t.damaged()), t.damaged().toString());
            Path pristine = dir.resolve(t.damaged().getFileName() + ".pristine");
            Files.copy(t.damaged(), pristine, StandardCopyOption.REPLACE_EXISTING);
            long span = Math.min(Files.size(pristine), 96 * 1024);
            for (int round = 0; round < ROUNDS; round++) {
                Files.copy(pristine, t.damaged(), StandardCopyOption.REPLACE_EXISTING);
                damage(t.damaged(), span, random);
                opened += assertTimeoutPreemptively(Duration.ofSeconds(20), () -> openAndReadAll(t.opened()));
            }
            Files.copy(pristine, t.damaged(), StandardCopyOption.REPLACE_EXISTING);
        }
        assertTrue(opened > ROUNDS, "damage that leaves the disk readable is common; opened " + opened);
    }

    /** Offsets of the 32- and 64-bit fields of a sparse header (VMDK4; VMDK3 fields are the first 32-bit ones). */
    private static final int[] INT_FIELDS = {4, 8, 12, 16, 20, 24, 28, 44};
    private static final int[] LONG_FIELDS = {12, 20, 28, 36, 48, 56, 64};
    private static final long[] INTERESTING = {0, 1, 2, -1, 0x7fffffff, 0x80000000L, 512, 513, 4096, 1L << 32,
        1L << 40, Long.MAX_VALUE, Long.MIN_VALUE};

    private static void damage(Path file, long span, Random random) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] magic = new byte[4];
            f.readFully(magic);
            boolean sparse = magic[0] == 'K' && magic[1] == 'D' || magic[0] == 'C' && magic[1] == 'O';
            for (int k = 0; k < 1 + random.nextInt(4); k++) {
                if (sparse && random.nextInt(3) == 0) {
                    // a header field set to a value at an edge
                    long value = INTERESTING[random.nextInt(INTERESTING.length)];
                    boolean wide = random.nextBoolean();
                    int at = wide ? LONG_FIELDS[random.nextInt(LONG_FIELDS.length)]
                            : INT_FIELDS[random.nextInt(INT_FIELDS.length)];
                    ByteBuffer b = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(value);
                    f.seek(at);
                    f.write(b.array(), 0, wide ? 8 : 4);
                    continue;
                }
                // half of the hits in the first sector: the header, or a descriptor's first lines
                f.seek(random.nextInt((int) (random.nextBoolean() ? Math.min(span, 512) : span)));
                int kind = random.nextInt(4);
                f.write(kind == 0 ? 0xff : kind == 1 ? 0 : random.nextInt(256));
            }
        }
    }

    /** 1 when the disk opened, 0 when it was refused. */
    private int openAndReadAll(Path image) {
        try (BlockImage img = new ImageOpener(engine).open(image, "vmdk", true)) {
            ByteBuffer buf = ByteBuffer.allocate(65536 + 3);
            for (long pos = 0; pos < Math.min(img.size(), 4L << 20); pos += buf.capacity()) {
                buf.clear().limit((int) Math.min(buf.capacity(), img.size() - pos));
                try {
                    Futures.await(img.read(pos, buf));
                } catch (IOException e) {
                    assertOneLineImageException(e);
                }
            }
            long pos = 0;
            for (int i = 0; i < 64 && pos < img.size(); i++) {
                pos += img.blockStatus(pos, img.size() - pos).length();
            }
            return 1;
        } catch (IOException e) {
            assertOneLineImageException(e);
            return 0;
        }
    }

    private static void assertOneLineImageException(IOException e) {
        assertInstanceOf(ImageException.class, e, String.valueOf(e));
        assertFalse(e.getMessage() == null || e.getMessage().contains("\n"), String.valueOf(e.getMessage()));
    }
}
