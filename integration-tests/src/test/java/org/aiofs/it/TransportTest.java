package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Which transport serves, and the request size it settled: a 1 MiB O_DIRECT request reaches the image whole. */
@ExtendWith(NoMountLeftBehind.class)
class TransportTest {
    @TempDir
    Path dir;

    @Test
    void infoNamesTheTransportAndRequestsArriveAsLargeAsNegotiated() throws IOException {
        Path image = TestImages.randomRaw(dir, "disk.img", 16L << 20, 31);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw", "--passthrough", "off")) {
            JsonNode transport = PartitionMountTest.info(m).get("transport");
            assertEquals(Commands.transport(), transport.get("name").asText(), transport.toString());
            long request = transport.get("max_request_bytes").asLong();
            assertEquals(expectedRequestBytes(), request, transport.toString());

            long reads = counter(m, "reads");
            Commands.run("dd", "if=" + m.disk(), "of=/dev/null", "bs=1M", "count=4", "iflag=direct").assertSuccess();
            assertEquals(4 * ((1 << 20) / request), counter(m, "reads") - reads, "reads of 1 MiB, served");
            long writes = counter(m, "writes");
            Commands.run("dd", "if=" + image, "of=" + m.disk(), "bs=1M", "count=2", "oflag=direct", "conv=notrunc")
                    .assertSuccess();
            assertEquals(2 * ((1 << 20) / request), counter(m, "writes") - writes, "writes of 1 MiB, served");

            Tool.Result info = Commands.aiofs("info", m.mountPoint().toString()).assertSuccess();
            assertTrue(info.stdout().contains("transport: " + Commands.transport() + " "), info.stdout());
        }
    }

    /**
     * The kernel transport asks for what /proc/sys/fs/fuse/max_pages_limit allows, at most 1 MiB;
     * libfuse 2 is held to 128 KiB. (A sysctl file is read in one call: a later offset is its end.)
     */
    private static long expectedRequestBytes() throws IOException {
        if (!Commands.transport().equals("kernel")) {
            return 128 << 10;
        }
        Path limit = Path.of("/proc/sys/fs/fuse/max_pages_limit");
        if (!Files.exists(limit)) {
            return 1 << 20;
        }
        try (InputStream in = Files.newInputStream(limit)) {
            byte[] b = new byte[64];
            int n = in.read(b);
            return Math.min(256, Long.parseLong(new String(b, 0, n, StandardCharsets.US_ASCII).trim())) * 4096;
        }
    }

    private static long counter(MountedImage m, String name) throws IOException {
        return PartitionMountTest.info(m).at("/counters/" + name).asLong();
    }
}
