package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.aiofs.testing.Qemu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: the server's memory stays bounded under random allocating writes into a 1 TiB qcow2,
 * where nearly every write misses the metadata cache (2,048 L2 tables of 64 KiB against the
 * default 32 MiB). Before the server's JVM had bounds (ServerMemory) and table reads reused
 * their buffer (MetadataReader.readDecoded), 20,000 such writes left it 1.2 GiB resident.
 */
@ExtendWith(NoMountLeftBehind.class)
class ServerMemoryTest {
    /**
     * The JVM itself (~70 MiB), the cache, the young generation and the evicted tables waiting
     * for a collection, and room for this machine's spread: measured peaks 164-190 MiB (with
     * an uncapped young generation and glibc untrimmed, 241-252 MiB).
     */
    private static final long LIMIT = 256L << 20;

    @TempDir
    Path dir;

    @Test
    void randomWritesIntoATebibyteImageStayBounded() throws IOException {
        Path image = dir.resolve("1t.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=65536", image.toString(), "1T");
        try (MountedImage m = MountedImage.mount(image, dir)) {
            Commands.run("fio", "--name=rss", "--filename=" + m.file("disk.raw"), "--rw=randwrite", "--bs=4k",
                    "--ioengine=libaio", "--iodepth=16", "--direct=1", "--size=1T", "--number_ios=20000",
                    "--randrepeat=0", "--norandommap", "--output=/dev/null").assertSuccess();
            long peak = PeakRss.of(m.serverPid());
            assertTrue(peak < LIMIT, "the server peaked at " + (peak >> 20) + " MiB (limit " + (LIMIT >> 20) + ")");
        }
        Qemu.Verdict check = Qemu.check(image);
        assertEquals(0, check.exit(), check.json().toString());
        assertTrue(check.count("allocated-clusters") >= 19000, check.json().toString());
    }
}
