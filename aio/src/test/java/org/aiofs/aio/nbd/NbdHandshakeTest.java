package org.aiofs.aio.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.nativeio.Errno;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The handshake against qemu-nbd and nbdkit: what is negotiated, TLS in its forms, and the
 * one-line refusals a user meets (nothing listening, no such export, TLS refused or required,
 * a read-only export opened for writing, something that is not an NBD server).
 */
class NbdHandshakeTest {
    private static final long SIZE = 16L << 20;

    @TempDir
    static Path certDir;
    private static TestCertificates certificates;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeCertificates() throws IOException {
        certificates = TestCertificates.create(certDir);
    }

    @Test
    void qemuNbdNegotiatesStructuredRepliesAllocationAndFlush() throws IOException {
        Path image = sparseImage();
        try (NbdServer server = NbdServer.qemuNbd(dir, false, image, "raw").start();
             NbdClient client = NbdClient.connect(NbdUri.parse(server.uri()), true)) {
            assertEquals(SIZE, client.size());
            String facts = client.describe();
            for (String f : new String[] {"structured replies", "base:allocation", "flush", "fua", "write-zeroes"}) {
                assertTrue(facts.contains(f), facts);
            }
        }
    }

    @Test
    void nbdkitOverTcpWithMultiConnGetsFourConnections() throws IOException {
        try (NbdServer server = NbdServer.nbdkit(dir, true, "memory", "size=" + SIZE).start();
             NbdClient client = NbdClient.connect(NbdUri.parse(server.uri()), false)) {
            assertTrue(client.describe().contains("multi-conn"), client.describe());
            assertEquals(4, client.connectionCount());
            roundTrip(client);
        }
    }

    @Test
    void nothingListeningFailsAtOnceWithOneLine() {
        int port = NbdServer.freePort();
        NbdException e = assertThrows(NbdException.class,
                () -> NbdClient.connect(NbdUri.parse("nbd://127.0.0.1:" + port + "/disk"), true));
        assertEquals(Errno.ECONNREFUSED, e.errno());
        assertOneLine(e, "nbd://127.0.0.1:" + port + "/disk: cannot connect to TCP 127.0.0.1:" + port
                + ": connection refused");
    }

    @Test
    void missingSocketIsNamed() {
        String uri = "nbd+unix:///disk?socket=" + dir.resolve("none.sock");
        NbdException e = assertThrows(NbdException.class, () -> NbdClient.connect(NbdUri.parse(uri), true));
        assertEquals(Errno.ENOENT, e.errno());
        assertOneLine(e, "cannot connect to Unix socket " + dir.resolve("none.sock") + ": no such socket");
    }

    @Test
    void missingExportIsNamed() throws IOException {
        try (NbdServer server = NbdServer.qemuNbd(dir, true, sparseImage(), "raw").start()) {
            String uri = server.uri("nbd", "nope", "");
            NbdException e = assertThrows(NbdException.class, () -> NbdClient.connect(NbdUri.parse(uri), true));
            assertEquals(Errno.ENOENT, e.errno());
            assertOneLine(e, uri + ": the server has no export 'nope' (NBD_REP_ERR_UNKNOWN");
        }
    }

    @Test
    void readOnlyExportIsRefusedForWritingAndServedForReading() throws IOException {
        try (NbdServer server = NbdServer.qemuNbd(dir, false, sparseImage(), "raw", "-r").start()) {
            NbdException e = assertThrows(NbdException.class,
                    () -> NbdClient.connect(NbdUri.parse(server.uri()), false));
            assertEquals(Errno.EROFS, e.errno());
            assertOneLine(e, "the export is read-only on the server; mount it with --read-only");
            try (NbdClient client = NbdClient.connect(NbdUri.parse(server.uri()), true)) {
                assertEquals(SIZE, client.size());
            }
        }
    }

    @Test
    void somethingThatIsNotAnNbdServerIsSaidSo() throws Exception {
        try (ServerSocket http = new ServerSocket(0)) {
            Thread t = new Thread(() -> {
                try (Socket s = http.accept(); OutputStream out = s.getOutputStream()) {
                    out.write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the client has gone: nothing to report
                }
            });
            t.start();
            NbdException e = assertThrows(NbdException.class, () -> NbdClient.connect(
                    NbdUri.parse("nbd://127.0.0.1:" + http.getLocalPort() + "/"), true));
            assertEquals(Errno.EPROTO, e.errno());
            assertOneLine(e, "is not an NBD server");
            t.join();
        }
    }

    // ---------------------------------------------------------------- TLS

    @Test
    void tlsWithTheServersCaCarriesData() throws IOException {
        try (NbdServer server = tlsServer(true, "--tls=require").start();
             NbdClient client = NbdClient.connect(NbdUri.parse(server.uri("nbds", "disk",
                     "tls-certificates=" + certificates.caOnlyDir())), false)) {
            assertTrue(client.describe().contains("TLS"), client.describe());
            roundTrip(client);
        }
    }

    @Test
    void aPlainUriUpgradesWhenTheServerRequiresTls() throws IOException {
        try (NbdServer server = tlsServer(true, "--tls=require").start();
             NbdClient client = NbdClient.connect(NbdUri.parse(server.uri(
                     "tls-certificates=" + certificates.caOnlyDir())), false)) {
            assertTrue(client.describe().contains("TLS"), client.describe());
            roundTrip(client);
        }
    }

    @Test
    void aPlainUriStaysPlainWhenTlsIsOnlyOffered() throws IOException {
        try (NbdServer server = tlsServer(true, "--tls=on").start();
             NbdClient client = NbdClient.connect(NbdUri.parse(server.uri()), false)) {
            assertFalse(client.describe().contains("TLS"), client.describe());
            roundTrip(client);
        }
    }

    @Test
    void anUnknownCaIsRefusedWithTheWayOut() throws IOException {
        try (NbdServer server = tlsServer(true, "--tls=require").start()) {
            String uri = server.uri("nbds", "disk", "");
            NbdException e = assertThrows(NbdException.class, () -> NbdClient.connect(NbdUri.parse(uri), true));
            assertEquals(Errno.EACCES, e.errno());
            assertOneLine(e, uri + ": TLS handshake with 127.0.0.1:" + server.port() + " failed");
            assertTrue(e.getMessage().contains("tls-certificates=DIR"), e.getMessage());
        }
    }

    @Test
    void verifyPeerOffTrustsAnyCertificate() throws IOException {
        try (NbdServer server = tlsServer(true, "--tls=require").start();
             NbdClient client = NbdClient.connect(NbdUri.parse(server.uri("nbds", "disk", "tls-verify-peer=0")),
                     true)) {
            assertTrue(client.describe().contains("TLS"), client.describe());
        }
    }

    @Test
    void aCertificateForAnotherNameIsRefused() throws IOException {
        try (NbdServer server = tlsServer(true, "--tls=require").start()) {
            String uri = server.uri("nbds", "disk", "tls-certificates=" + certificates.caOnlyDir()
                    + "&tls-hostname=other.example");
            NbdException e = assertThrows(NbdException.class, () -> NbdClient.connect(NbdUri.parse(uri), true));
            assertEquals(Errno.EACCES, e.errno());
            assertOneLine(e, "TLS handshake");
        }
    }

    @Test
    void nbdsToAServerWithoutTlsIsRefused() throws IOException {
        try (NbdServer server = NbdServer.nbdkit(dir, true, "memory", "size=" + SIZE).start()) {
            String uri = server.uri("nbds", "disk", "");
            NbdException e = assertThrows(NbdException.class, () -> NbdClient.connect(NbdUri.parse(uri), true));
            assertEquals(Errno.EACCES, e.errno());
            assertOneLine(e, uri + ": the server does not offer TLS (NBD_REP_ERR_");
            assertTrue(e.getMessage().endsWith("use nbd:// for a plain connection"), e.getMessage());
        }
    }

    @Test
    void tlsRequiredOnAUnixSocketIsRefused() throws IOException {
        try (NbdServer server = tlsServer(false, "--tls=require").start()) {
            NbdException e = assertThrows(NbdException.class,
                    () -> NbdClient.connect(NbdUri.parse(server.uri()), true));
            assertEquals(Errno.EACCES, e.errno());
            assertOneLine(e, "the server requires TLS, which aiofs speaks over TCP only");
        }
    }

    @Test
    void aClientCertificateIsPresentedWhenTheServerAsks() throws IOException {
        try (NbdServer server = tlsServer(true, "--tls=require", "--tls-verify-peer").start()) {
            try (NbdClient client = NbdClient.connect(NbdUri.parse(server.uri("nbds", "disk",
                    "tls-certificates=" + certificates.clientDir())), true)) {
                assertTrue(client.describe().contains("TLS"));
            }
            NbdException e = assertThrows(NbdException.class, () -> NbdClient.connect(NbdUri.parse(server.uri(
                    "nbds", "disk", "tls-certificates=" + certificates.caOnlyDir())), true));
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void qemuNbdWithTlsCredentialsChecksTheClientsCertificate() throws IOException {
        // qemu's x509 credentials verify the peer by default: the client must present a certificate
        try (NbdServer server = NbdServer.qemuNbd(dir, true, sparseImage(), "raw",
                "--object", "tls-creds-x509,id=tls0,endpoint=server,dir=" + certificates.serverDir(),
                "--tls-creds", "tls0").start()) {
            try (NbdClient client = NbdClient.connect(NbdUri.parse(server.uri("nbds", "disk",
                    "tls-certificates=" + certificates.clientDir())), false)) {
                assertTrue(client.describe().contains("TLS"), client.describe());
                roundTrip(client);
            }
            String withoutCertificate = server.uri("nbds", "disk", "tls-certificates=" + certificates.caOnlyDir());
            NbdException e = assertThrows(NbdException.class,
                    () -> NbdClient.connect(NbdUri.parse(withoutCertificate), true));
            assertEquals(Errno.EACCES, e.errno());
            assertOneLine(e, "client-cert.pem");
        }
    }

    // ---------------------------------------------------------------- helpers

    private NbdServer tlsServer(boolean tcp, String... tls) {
        String[] args = new String[tls.length + 3];
        System.arraycopy(tls, 0, args, 0, tls.length);
        args[tls.length] = "--tls-certificates=" + certificates.serverDir();
        args[tls.length + 1] = "memory";
        args[tls.length + 2] = "size=" + SIZE;
        return NbdServer.nbdkit(dir, tcp, args);
    }

    private Path sparseImage() throws IOException {
        Path image = dir.resolve("disk-" + System.nanoTime() + ".img");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(SIZE);
        }
        return image;
    }

    /** 1 MiB of random data written and read back through the client's engine. */
    private static void roundTrip(NbdClient client) throws IOException {
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        HostFile file = HostFile.ofExport(client);
        long at = 3 * 4096 + 17;
        assertEquals(data.length, Futures.await(client.engine().submit(new IoRequest.Write(file, at,
                ByteBuffer.wrap(data)))));
        ByteBuffer back = ByteBuffer.allocateDirect(data.length);
        assertEquals(data.length, Futures.await(client.engine().submit(new IoRequest.Read(file, at, back))));
        byte[] got = new byte[data.length];
        back.get(got);
        assertArrayEquals(data, got);
    }

    private static void assertOneLine(Exception e, String part) {
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
