package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.aiofs.aio.nbd.NbdServer;
import org.aiofs.aio.nbd.TestCertificates;
import org.aiofs.it.NbdExports.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.aiofs.testing.Qemu;

/**
 * Images on NBD exports, mounted for real: raw and qcow2, served by qemu-nbd and by nbdkit,
 * over loopback TCP and Unix sockets, and with TLS. What the mount reads is judged against
 * the served file or against what qemu-img reads over the same export; what it writes by
 * qemu-img check and compare once the server has let go of the file.
 */
@ExtendWith(NoMountLeftBehind.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NbdMountTest {
    private static final long SIZE = 32L << 20;

    @TempDir
    Path dir;
    private final Random random = new Random(17);

    @ParameterizedTest
    @CsvSource({"QEMU_NBD, true", "NBDKIT, false"})
    void aRawExportReadsAsTheServedFileAndTakesWrites(Server kind, boolean tcp) throws IOException {
        Path file = TestImages.randomRaw(dir, "disk.img", SIZE, 3);
        Path model = dir.resolve("model.img");
        Files.copy(file, model);
        try (NbdServer server = kind.serve(dir, tcp, file).start()) {
            try (MountedImage m = MountedImage.mount(server.uri(), dir, "--format", "raw")) {
                assertEquals(SIZE, Files.size(m.disk()));
                assertEquals(-1L, Files.mismatch(model, m.disk()), "the mount reads other bytes than the file's");
                try (FileChannel disk = FileChannel.open(m.disk(), StandardOpenOption.READ, StandardOpenOption.WRITE);
                     FileChannel copy = FileChannel.open(model, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    for (int i = 0; i < 100; i++) {
                        int length = 1 + random.nextInt(i % 10 == 0 ? 1 << 20 : 70_000);
                        long at = (long) (random.nextDouble() * (SIZE - length));
                        byte[] data = new byte[length];
                        random.nextBytes(data);
                        write(disk, data, at);
                        write(copy, data, at);
                    }
                    disk.force(true);
                }
            }
        }
        assertEquals(-1L, Files.mismatch(model, file), "the served file differs from the writes made");
    }

    @ParameterizedTest
    @EnumSource(Server.class)
    void aQcow2OnAnExportReadsAsQemuImgReadsItOverTheSameExport(Server kind) throws IOException {
        Path image = NbdExports.qcow2WithRoom(dir, "vm.qcow2", SIZE);
        try (NbdServer server = kind.serve(dir, false, image).start()) {
            Path expected = NbdExports.qemuReads(server.uri(), "qcow2", dir, "expected.raw");
            Path snapshot = NbdExports.qemuReads(server.uri(), "qcow2", dir, "snapshot.raw", "-l",
                    "snapshot.name=before");
            try (MountedImage m = MountedImage.mount(server.uri(), dir, "--read-only")) {
                assertEquals(List.of("disk.raw", "info.json", "snapshots"), TestImages.list(m.mountPoint()));
                assertEquals(-1L, Files.mismatch(expected, m.disk()));
                assertEquals(-1L, Files.mismatch(snapshot, m.file("snapshots/before.raw")));
                JsonNode info = new ObjectMapper().readTree(m.file("info.json").toFile());
                assertEquals("qcow2", info.path("format").asText());
                assertEquals("nbd", info.path("engine").path("name").asText());
                assertEquals(server.uri(), info.path("engine").path("nbd_exports").get(0).path("uri").asText());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"vpc", "vhdx", "vdi"})
    void otherFormatsOnAnExportReadAsQemuReadsThemOverTheSameExport(String format) throws IOException {
        Path image = dir.resolve("disk." + format);
        Qemu.img("create", "-q", "-f", format, image.toString(), String.valueOf(SIZE));
        Qemu.io(image, format, "write -P 0x5c 1M 3M", "write -P 0xc5 " + (SIZE / 2) + " 1M");
        try (NbdServer server = Server.QEMU_NBD.serve(dir, false, image).start()) {
            Path expected = NbdExports.qemuReads(server.uri(), format, dir, "expected.raw");
            try (MountedImage m = MountedImage.mount(server.uri(), dir, "--read-only", "--format", format)) {
                assertEquals(-1L, Files.mismatch(expected, m.disk()));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Server.class)
    void aQcow2OnAnExportTakesWritesThatQemuImgCheckFindsClean(Server kind) throws IOException {
        Path image = NbdExports.qcow2WithRoom(dir, "vm.qcow2", SIZE);
        Path model = Qemu.toRaw(image, dir, "model.raw");
        try (NbdServer server = kind.serve(dir, true, image).start()) {
            try (MountedImage m = MountedImage.mount(server.uri(), dir);
                 FileChannel disk = FileChannel.open(m.disk(), StandardOpenOption.READ, StandardOpenOption.WRITE);
                 FileChannel copy = FileChannel.open(model, StandardOpenOption.WRITE)) {
                for (int i = 0; i < 100; i++) {
                    int length = 1 + random.nextInt(200_000);
                    long at = (long) (random.nextDouble() * (SIZE - length));
                    byte[] data = new byte[length];
                    random.nextBytes(data);
                    write(disk, data, at);
                    write(copy, data, at);
                    if (i % 50 == 49) {
                        disk.force(true);
                    }
                }
            }
        }
        NbdExports.assertClean(image);
        NbdExports.assertSameContent(model, image);
    }

    @Test
    void anExportOverTlsMounts() throws IOException {
        TestCertificates tls = TestCertificates.create(Files.createDirectories(dir.resolve("pki")));
        Path file = TestImages.randomRaw(dir, "disk.img", SIZE, 4);
        try (NbdServer server = NbdServer.nbdkit(dir, true, "--tls=require",
                "--tls-certificates=" + tls.serverDir(), "file", "file=" + file).start();
             MountedImage m = MountedImage.mount(server.uri("nbds", "disk", "tls-certificates=" + tls.caOnlyDir()),
                     dir, "--read-only")) {
            assertEquals(-1L, Files.mismatch(file, m.disk()));
            JsonNode info = new ObjectMapper().readTree(m.file("info.json").toFile());
            String negotiated = info.path("engine").path("nbd_exports").get(0).path("negotiated").asText();
            assertTrue(negotiated.contains("TLS"), negotiated);
        }
    }

    @Test
    void infoOnAnExportSaysWhatQemuImgInfoSays() throws IOException {
        Path image = NbdExports.qcow2WithRoom(dir, "vm.qcow2", SIZE);
        try (NbdServer server = Server.QEMU_NBD.serve(dir, false, image).start()) {
            JsonNode ours = new ObjectMapper().readTree(Commands.aiofs("info", "--output", "json", server.uri())
                    .assertSuccess().stdout());
            JsonNode qemu = new ObjectMapper().readTree(Commands.run("qemu-img", "info", "--output", "json",
                    "-f", "qcow2", server.uri()).assertSuccess().stdout());
            for (String key : new String[] {"format", "virtual-size", "cluster-size"}) {
                assertEquals(qemu.path(key), ours.path(key), key);
            }
            assertEquals(qemu.path("snapshots").get(0).path("name"), ours.path("snapshots").get(0).path("name"));
        }
    }

    @Test
    void benchMeasuresTheEngineOverTheNetwork() throws IOException {
        try (NbdServer server = NbdServer.nbdkit(dir, true, "memory", "size=" + SIZE).start()) {
            JsonNode rows = new ObjectMapper().readTree(Commands.aiofs("bench", "--target", server.uri(),
                    "--workloads", "randread-4k-qd8", "--seconds", "0.5", "--output", "json").assertSuccess().stdout());
            assertEquals(2, rows.size(), rows.toString()); // nbdkit allows multi-conn: one connection, then four
            assertEquals("nbd x1", rows.get(0).path("engine").asText());
            assertEquals("nbd x4", rows.get(1).path("engine").asText());
            for (JsonNode row : rows) {
                assertTrue(row.path("iops").asDouble() > 0, row.toString());
            }
        }
    }

    private static void write(FileChannel ch, byte[] data, long at) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
    }
}
