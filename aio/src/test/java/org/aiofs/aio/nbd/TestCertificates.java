package org.aiofs.aio.nbd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway CA and certificates made with openssl, laid out as qemu-nbd, nbdkit and libnbd
 * expect them: {@code server/} holds ca-cert.pem, server-cert.pem and server-key.pem (for
 * 127.0.0.1 and localhost); {@code client/} holds ca-cert.pem, client-cert.pem and client-key.pem.
 */
public final class TestCertificates {
    private final Path serverDir;
    private final Path clientDir;
    private final Path caOnlyDir;

    private TestCertificates(Path serverDir, Path clientDir, Path caOnlyDir) {
        this.serverDir = serverDir;
        this.clientDir = clientDir;
        this.caOnlyDir = caOnlyDir;
    }

    public static TestCertificates create(Path dir) throws IOException {
        Path server = Files.createDirectories(dir.resolve("server"));
        Path client = Files.createDirectories(dir.resolve("client"));
        Path caOnly = Files.createDirectories(dir.resolve("ca-only"));
        Path ca = dir.resolve("ca-cert.pem");
        Path caKey = dir.resolve("ca-key.pem");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey.toString(), "-out",
                ca.toString(), "-days", "2", "-subj", "/CN=aiofs test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        signed(dir, ca, caKey, server.resolve("server-cert.pem"), server.resolve("server-key.pem"), "localhost",
                "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        signed(dir, ca, caKey, client.resolve("client-cert.pem"), client.resolve("client-key.pem"), "aiofs client",
                "extendedKeyUsage=clientAuth\n");
        for (Path d : List.of(server, client, caOnly)) {
            Files.copy(ca, d.resolve("ca-cert.pem"));
        }
        return new TestCertificates(server, client, caOnly);
    }

    /** For the server: --tls-certificates (nbdkit) or tls-creds-x509 dir= (qemu). */
    public Path serverDir() {
        return serverDir;
    }

    /** For the client's tls-certificates=: the CA and a client certificate. */
    public Path clientDir() {
        return clientDir;
    }

    /** For the client's tls-certificates=: only the CA. */
    public Path caOnlyDir() {
        return caOnlyDir;
    }

    private static void signed(Path dir, Path ca, Path caKey, Path cert, Path key, String name, String extensions)
            throws IOException {
        Path request = dir.resolve(name.replace(' ', '-') + ".csr");
        Path ext = dir.resolve(name.replace(' ', '-') + ".ext");
        Files.writeString(ext, "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                + extensions);
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", request.toString(),
                "-subj", "/CN=" + name);
        openssl(dir, "x509", "-req", "-in", request.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-out", cert.toString(), "-days", "2", "-extfile", ext.toString());
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Path log = dir.resolve("openssl.log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
