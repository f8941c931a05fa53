package org.aiofs.aio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.aiofs.aio.nativeio.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only image files and block devices are opened: a FIFO must not hang the open, nor anything later. */
class HostFileTypeTest {
    private static final Duration QUICK = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void fifoIsRefusedWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        for (boolean readOnly : new boolean[] {true, false}) {
            HostIoException e = assertTimeoutPreemptively(QUICK,
                    () -> assertThrows(HostIoException.class, () -> HostFile.open(fifo, readOnly, false, true)));
            assertTrue(e.getMessage().contains(fifo + ": is a FIFO"), e.getMessage());
        }
    }

    @Test
    void socketIsRefused() throws IOException {
        Path socket = dir.resolve("sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            HostIoException e = assertThrows(HostIoException.class, () -> HostFile.open(socket, true, false, true));
            assertTrue(e.getMessage().contains("is a socket, not an image file or block device"), e.getMessage());
        }
    }

    @Test
    void directoryIsRefused() {
        HostIoException e = assertThrows(HostIoException.class, () -> HostFile.open(dir, true, false));
        assertEquals(Errno.EISDIR, e.errno());
    }

    @Test
    void characterDeviceOnlyWhenAllowed() throws IOException {
        Path dev = Path.of("/dev/zero");
        HostIoException e = assertThrows(HostIoException.class, () -> HostFile.open(dev, true, false));
        assertTrue(e.getMessage().contains("is a character device"), e.getMessage());
        try (HostFile f = HostFile.open(dev, true, false, true)) {
            assertEquals(FileType.CHARACTER_DEVICE, f.type());
        }
    }

    @Test
    void missingFileIsNamed() {
        HostIoException e = assertThrows(HostIoException.class, () -> HostFile.open(dir.resolve("nope"), true, false));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("nope: no such file"), e.getMessage());
    }

    /** The open is blocking again afterwards: io_uring would answer EAGAIN on an O_NONBLOCK file. */
    @Test
    void regularFileIsOpenedBlocking() throws IOException {
        Path f = Files.write(dir.resolve("img"), new byte[4096]);
        try (HostFile file = HostFile.open(f, false, false)) {
            assertEquals(FileType.REGULAR, file.type());
            String flags = Files.readAllLines(Path.of("/proc/self/fdinfo/" + file.fd())).stream()
                    .filter(l -> l.startsWith("flags:")).findFirst().orElseThrow();
            int octal = Integer.parseInt(flags.substring("flags:".length()).trim(), 8);
            assertEquals(0, octal & 04000, "O_NONBLOCK left set: " + flags);
        }
    }
}
