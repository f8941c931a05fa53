package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.aiofs.testing.ManySnapshots;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, item 6: 3,000 internal snapshots at 2 MiB clusters. A mount reading 4 bytes of
 * every snapshot stays within its --cache-size (before: a table cache per snapshot, 7 GB
 * and then ENOMEM); `aiofs check` streams (before: 6 GB) and says what qemu-img check says.
 */
@ExtendWith(NoMountLeftBehind.class)
class ManySnapshotsMemoryTest {
    private static final int SNAPSHOTS = 3000;
    private static final long BUDGET = 8L << 20;
    /** What else the server may take while reading: per-snapshot objects, FUSE buffers, garbage not yet collected. */
    private static final long OVERHEAD = 64L << 20;

    @TempDir
    static Path dir;
    private static Path image;

    @BeforeAll
    static void makeImage() {
        image = ManySnapshots.make(dir, "s.qcow2", "cluster_size=2M", "64M", "write -P 0x5c 0 4M", SNAPSHOTS);
    }

    @Test
    void readingEverySnapshotStaysWithinTheBudget() throws IOException {
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only", "--cache-size", "8M")) {
            long before = PeakRss.of(m.serverPid());
            for (int i = 0; i < SNAPSHOTS; i++) {
                try (FileChannel f = FileChannel.open(m.file("snapshots/s" + i + ".raw"))) {
                    ByteBuffer b = ByteBuffer.allocate(4);
                    f.read(b, 1000);
                    assertEquals(ByteBuffer.wrap(new byte[] {0x5c, 0x5c, 0x5c, 0x5c}), b.flip(), "snapshot s" + i);
                }
            }
            JsonNode cache = PartitionMountTest.info(m).get("metadata_cache");
            assertEquals(BUDGET, cache.get("budget_bytes").asLong());
            assertTrue(cache.get("peak_bytes").asLong() <= BUDGET, cache.toString());
            long grew = PeakRss.of(m.serverPid()) - before;
            assertTrue(grew < BUDGET + OVERHEAD, "the server grew by " + (grew >> 20) + " MiB reading "
                    + SNAPSHOTS + " snapshots (budget " + (BUDGET >> 20) + " MiB + " + (OVERHEAD >> 20) + " MiB)");
        }
    }

    @Test
    void checkStreamsAndAgreesWithQemu() throws Exception {
        Tool.Result qemu = Tool.run(dir, "qemu-img", "check", "--output=json", image.toString());
        List<String> command = new ArrayList<>(List.of(Commands.javaBinary(), "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", Commands.aiofsJar().toString(), "org.aiofs.fs.cli.AiofsCommand",
                "check", "--output", "json", image.toString()));
        PeakRss.Run aiofs = PeakRss.run(command);
        assertEquals(qemu.exitCode(), aiofs.exit());
        ObjectMapper json = new ObjectMapper();
        JsonNode q = json.readTree(qemu.stdout());
        JsonNode a = json.readTree(aiofs.stdout());
        for (String key : List.of("image-end-offset", "total-clusters", "allocated-clusters", "fragmented-clusters",
                "compressed-clusters")) {
            assertEquals(q.get(key), a.get(key), key);
        }
        assertTrue(aiofs.peakBytes() < 256L << 20, "aiofs check peaked at " + (aiofs.peakBytes() >> 20) + " MiB");
    }
}
