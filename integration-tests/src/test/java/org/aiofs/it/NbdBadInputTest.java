package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.aiofs.aio.nbd.NbdServer;
import org.aiofs.aio.nbd.TestCertificates;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.aiofs.testing.Tool;

/** Mounting an export that cannot be had: one line on stderr naming why, exit 1, nothing mounted. */
@ExtendWith(NoMountLeftBehind.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NbdBadInputTest {
    @TempDir
    Path dir;
    private Path mountPoint;

    @BeforeEach
    void setUp() throws IOException {
        mountPoint = Files.createDirectories(dir.resolve("mnt"));
    }

    @Test
    void hostUnreachable() {
        int port = NbdServer.freePort();
        refused("nbd://127.0.0.1:" + port + "/disk: cannot connect to TCP 127.0.0.1:" + port + ": connection refused",
                "--read-only", "nbd://127.0.0.1:" + port + "/disk");
    }

    @Test
    void exportMissing() throws IOException {
        Path file = TestImages.sparseRaw(dir, "disk.img", 1 << 20);
        try (NbdServer server = NbdExports.Server.QEMU_NBD.serve(dir, true, file).start()) {
            refused("the server has no export 'other'", "--read-only", server.uri("nbd", "other", ""));
        }
    }

    @Test
    void tlsRequiredOnAUnixSocket() throws IOException {
        TestCertificates tls = TestCertificates.create(Files.createDirectories(dir.resolve("pki")));
        try (NbdServer server = NbdServer.nbdkit(dir, false, "--tls=require",
                "--tls-certificates=" + tls.serverDir(), "memory", "size=1M").start()) {
            refused("the server requires TLS, which aiofs speaks over TCP only", "--read-only", server.uri());
        }
    }

    @Test
    void tlsRefusedByTheServer() {
        try (NbdServer server = NbdServer.nbdkit(dir, true, "memory", "size=1M").start()) {
            refused("the server does not offer TLS", "--read-only", server.uri("nbds", "disk", ""));
        }
    }

    @Test
    void malformedUri() {
        refused("nbd://h/e?foo=1: unknown query parameter 'foo'", "--read-only", "nbd://h/e?foo=1");
    }

    @Test
    void directCacheOnAnExport() {
        try (NbdServer server = NbdServer.nbdkit(dir, true, "memory", "size=1M").start()) {
            refused("--cache none needs O_DIRECT, which an NBD export does not have", "--format", "raw",
                    "--cache", "none", server.uri());
        }
    }

    @Test
    void probedRawExportIsNotWritten() {
        try (NbdServer server = NbdServer.nbdkit(dir, true, "memory", "size=1M").start()) {
            refused("format not given and probed as raw", server.uri());
        }
    }

    private void refused(String expected, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "mount";
        System.arraycopy(args, 0, all, 1, args.length);
        all[all.length - 1] = mountPoint.toString();
        Tool.Result r = Commands.aiofs(all);
        assertEquals(1, r.exitCode(), "exit code; stderr: " + r.stderr());
        assertEquals(1, r.stderrLines().size(), "one line on stderr, got: " + r.stderr());
        assertTrue(r.stderr().startsWith("aiofs: "), r.stderr());
        assertTrue(r.stderr().contains(expected), "expected '" + expected + "' in: " + r.stderr());
        assertFalse(Mounts.isMounted(mountPoint), "something was mounted");
    }
}
