package org.aiofs.aio.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests over real servers, judged by the server's own view: nbdkit's log filter records
 * what arrived (split sizes, FUA, flushes, which connection), its blocksize-policy filter
 * fails any request that breaks the advertised sizes, and a file served by qemu-nbd is read
 * directly to check what was written and compared with the file system's own lseek.
 */
class NbdTransmissionTest {
    private static final long SIZE = 8L << 20;

    @TempDir
    Path dir;
    private final Random random = new Random(11);

    @Test
    void requestsLargerThanTheMaximumPayloadAreSplit() throws IOException {
        Path log = dir.resolve("nbdkit.log");
        try (NbdServer server = NbdServer.nbdkit(dir, false, "--filter=log", "--filter=blocksize-policy",
                "memory", "size=" + SIZE, "blocksize-maximum=64K", "blocksize-error-policy=error",
                "logfile=" + log).start();
             HostFile file = HostFile.ofExport(NbdClient.connect(NbdUri.parse(server.uri()), false))) {
            byte[] data = bytes(1 << 20);
            IoEngine engine = file.remote().engine();
            assertEquals(data.length, Futures.await(engine.submit(new IoRequest.Write(file, 65536,
                    ByteBuffer.wrap(data)))));
            ByteBuffer back = ByteBuffer.allocate(data.length);
            assertEquals(data.length, Futures.await(engine.submit(new IoRequest.Read(file, 65536, back))));
            assertArrayEquals(data, back.array());
            List<Long> writes = counts(Files.readString(log), "Write");
            assertEquals(16, writes.size(), "writes the server saw: " + writes);
            assertTrue(writes.stream().allMatch(n -> n == 65536), writes.toString());
        }
    }

    @Test
    void requestsOffTheMinimumBlockAreWidenedAndReadModifyWritten() throws IOException {
        try (NbdServer server = NbdServer.nbdkit(dir, false, "--filter=blocksize-policy",
                "memory", "size=" + SIZE, "blocksize-minimum=4096", "blocksize-error-policy=error").start();
             HostFile file = HostFile.ofExport(NbdClient.connect(NbdUri.parse(server.uri()), false))) {
            IoEngine engine = file.remote().engine();
            byte[] model = new byte[(int) SIZE];
            for (int i = 0; i < 200; i++) {
                int length = 1 + random.nextInt(20_000);
                int at = random.nextInt((int) SIZE - length);
                byte[] data = bytes(length);
                System.arraycopy(data, 0, model, at, length);
                if (i % 3 == 0) { // vectored, two buffers
                    int half = length / 2;
                    Futures.await(engine.submit(new IoRequest.Write(file, at, ByteBuffer.wrap(data, 0, half).slice(),
                            ByteBuffer.wrap(data, half, length - half).slice())));
                } else {
                    Futures.await(engine.submit(new IoRequest.Write(file, at, ByteBuffer.wrap(data))));
                }
                if (i % 10 == 0) {
                    Futures.await(engine.submit(new IoRequest.ZeroRange(file, at + 1, length / 3)));
                    java.util.Arrays.fill(model, at + 1, at + 1 + length / 3, (byte) 0);
                }
            }
            for (int i = 0; i < 100; i++) {
                int length = 1 + random.nextInt(30_000);
                int at = random.nextInt((int) SIZE - length);
                ByteBuffer a = ByteBuffer.allocate(length / 2);
                ByteBuffer b = ByteBuffer.allocateDirect(length - length / 2);
                assertEquals(length, Futures.await(engine.submit(new IoRequest.Read(file, at, a, b))));
                byte[] got = new byte[length];
                a.get(0, got, 0, a.capacity());
                b.get(0, got, a.capacity(), b.capacity());
                assertArrayEquals(java.util.Arrays.copyOfRange(model, at, at + length), got, "read at " + at);
            }
        }
    }

    @Test
    void multiConnSpreadsRequestsOverItsConnections() throws Exception {
        Path log = dir.resolve("nbdkit.log");
        try (NbdServer server = NbdServer.nbdkit(dir, true, "--filter=log", "--filter=delay", "memory",
                "size=" + SIZE, "rdelay=20ms", "logfile=" + log).start();
             HostFile file = HostFile.ofExport(NbdClient.connect(NbdUri.parse(server.uri("x-connections=3")),
                     false))) {
            assertEquals(3, ((NbdClient) file.remote()).connectionCount());
            IoEngine engine = file.remote().engine();
            byte[] data = bytes((int) SIZE);
            Futures.await(engine.submit(new IoRequest.Write(file, 0, ByteBuffer.wrap(data))));
            List<CompletableFuture<Long>> reads = new ArrayList<>();
            List<ByteBuffer> buffers = new ArrayList<>();
            for (int i = 0; i < 64; i++) { // all in flight at once, each held 20 ms by the server
                ByteBuffer b = ByteBuffer.allocate(4096);
                buffers.add(b);
                reads.add(engine.submit(new IoRequest.Read(file, i * 65536L, b)));
            }
            for (int i = 0; i < 64; i++) {
                assertEquals(4096, Futures.await(reads.get(i)));
                assertArrayEquals(java.util.Arrays.copyOfRange(data, i * 65536, i * 65536 + 4096),
                        buffers.get(i).array());
            }
            Matcher m = Pattern.compile("connection=(\\d+) Read").matcher(Files.readString(log));
            java.util.Set<String> connections = new java.util.HashSet<>();
            while (m.find()) {
                connections.add(m.group(1));
            }
            assertEquals(3, connections.size(), "connections that carried reads: " + connections);
        }
    }

    @Test
    void writeThroughSendsFuaAndNeedsNoFlush() throws IOException {
        Path log = dir.resolve("nbdkit.log");
        try (NbdServer server = NbdServer.nbdkit(dir, false, "--filter=log", "memory", "size=" + SIZE,
                "logfile=" + log).start();
             HostFile file = HostFile.ofExport(NbdClient.connect(NbdUri.parse(server.uri()), false, true,
                     line -> { }))) {
            IoEngine engine = file.remote().engine();
            Futures.await(engine.submit(new IoRequest.Write(file, 0, ByteBuffer.wrap(bytes(4096)))));
            Futures.await(engine.submit(new IoRequest.Flush(file, true)));
            String seen = Files.readString(log);
            assertTrue(seen.matches("(?s).*Write id=\\d+ offset=0x0 count=0x1000 fua=1.*"), seen);
            assertFalse(seen.contains("Flush"), seen);
        }
    }

    @Test
    void flushIsSentOnlyWhenAWriteAwaitsIt() throws IOException {
        Path log = dir.resolve("nbdkit.log");
        try (NbdServer server = NbdServer.nbdkit(dir, false, "--filter=log", "memory", "size=" + SIZE,
                "logfile=" + log).start();
             HostFile file = HostFile.ofExport(NbdClient.connect(NbdUri.parse(server.uri()), false))) {
            IoEngine engine = file.remote().engine();
            Futures.await(engine.submit(new IoRequest.Flush(file, true)));
            assertFalse(Files.readString(log).contains("Flush"), "a flush with nothing to flush was sent");
            Futures.await(engine.submit(new IoRequest.Write(file, 0, ByteBuffer.wrap(bytes(4096)))));
            Futures.await(engine.submit(new IoRequest.Flush(file, true)));
            Futures.await(engine.submit(new IoRequest.Flush(file, true)));
            String seen = Files.readString(log);
            assertTrue(seen.matches("(?s).*Write id=\\d+ offset=0x0 count=0x1000 fua=0.*"), seen);
            assertEquals(1, counts(seen, "Flush").size(), "the second flush had nothing to flush: " + seen);
        }
    }

    @Test
    void zeroRangeKeepsStoragePunchHoleReleasesIt() throws IOException {
        Path image = dir.resolve("disk.img");
        Files.write(image, bytes((int) SIZE));
        try (NbdServer server = NbdServer.qemuNbd(dir, false, image, "raw", "--discard=unmap").start();
             HostFile file = HostFile.ofExport(NbdClient.connect(NbdUri.parse(server.uri()), false));
             HostFile local = HostFile.open(image, true, false)) {
            IoEngine engine = file.remote().engine();
            Futures.await(engine.submit(new IoRequest.ZeroRange(file, 1 << 20, 1 << 20)));
            Futures.await(engine.submit(new IoRequest.PunchHole(file, 4 << 20, 1 << 20)));
            Futures.await(engine.submit(new IoRequest.Flush(file, true)));
            byte[] onDisk = Files.readAllBytes(image);
            assertArrayEquals(new byte[1 << 20], java.util.Arrays.copyOfRange(onDisk, 1 << 20, 2 << 20));
            assertArrayEquals(new byte[1 << 20], java.util.Arrays.copyOfRange(onDisk, 4 << 20, 5 << 20));
            assertEquals(1 << 20, local.seekData(1 << 20), "zero range released its storage");
            assertEquals(5 << 20, local.seekData(4 << 20), "punch hole kept its storage");
        }
    }

    @Test
    void withoutWriteZeroesPunchHoleTrimsAndZeroRangeWritesZeroes() throws IOException {
        Path log = dir.resolve("nbdkit.log");
        try (NbdServer server = NbdServer.nbdkit(dir, false, "--filter=log", "--filter=nozero", "memory",
                "size=" + SIZE, "logfile=" + log).start();
             HostFile file = HostFile.ofExport(NbdClient.connect(NbdUri.parse(server.uri()), false))) {
            String facts = ((NbdClient) file.remote()).describe();
            assertFalse(facts.contains("write-zeroes"), facts);
            assertTrue(facts.contains("trim") && facts.contains("base:allocation"), facts);
            IoEngine engine = file.remote().engine();
            Futures.await(engine.submit(new IoRequest.Write(file, 0, ByteBuffer.wrap(bytes(4 << 20)))));
            // a whole MiB: the memory plugin frees it (smaller trims inside its pages only read as zeroes)
            Futures.await(engine.submit(new IoRequest.PunchHole(file, 1 << 20, 1 << 20)));
            Futures.await(engine.submit(new IoRequest.ZeroRange(file, 3 << 20, 8192)));
            ByteBuffer back = ByteBuffer.allocate(4 << 20);
            Futures.await(engine.submit(new IoRequest.Read(file, 0, back)));
            assertArrayEquals(new byte[1 << 20], java.util.Arrays.copyOfRange(back.array(), 1 << 20, 2 << 20));
            assertArrayEquals(new byte[8192], java.util.Arrays.copyOfRange(back.array(), 3 << 20, (3 << 20) + 8192));
            String seen = Files.readString(log);
            assertFalse(seen.contains(" Zero "), "a zero command was sent anyway: " + seen);
            assertTrue(seen.matches("(?s).*Trim id=\\d+ offset=0x100000 count=0x100000.*"), seen);
            // the trimmed range reads as zeroes by the server's block status: nothing written there
            assertFalse(seen.matches("(?s).*Write id=\\d+ offset=0x100000 .*"), seen);
            assertTrue(seen.matches("(?s).*Write id=\\d+ offset=0x300000 count=0x2000.*"), seen);
        }
    }

    @Test
    void aTrimTheServerDoesNotReportAsZeroesIsFollowedByZeroes() throws IOException {
        // noextents: block status says "allocated, not zero" everywhere, so a TRIM proves nothing
        Path log = dir.resolve("nbdkit.log");
        try (NbdServer server = NbdServer.nbdkit(dir, false, "--filter=log", "--filter=nozero",
                "--filter=noextents", "memory", "size=" + SIZE, "logfile=" + log).start();
             HostFile file = HostFile.ofExport(NbdClient.connect(NbdUri.parse(server.uri()), false))) {
            IoEngine engine = file.remote().engine();
            Futures.await(engine.submit(new IoRequest.Write(file, 0, ByteBuffer.wrap(bytes(1 << 20)))));
            Futures.await(engine.submit(new IoRequest.PunchHole(file, 4096, 8192)));
            ByteBuffer back = ByteBuffer.allocate(16384);
            Futures.await(engine.submit(new IoRequest.Read(file, 0, back)));
            assertArrayEquals(new byte[8192], java.util.Arrays.copyOfRange(back.array(), 4096, 12288));
            String seen = Files.readString(log);
            assertFalse(seen.contains(" Zero "), seen);
            assertTrue(seen.matches("(?s).*Trim id=\\d+ offset=0x1000 count=0x2000.*"), seen);
            assertTrue(seen.matches("(?s).*Write id=\\d+ offset=0x1000 count=0x2000.*"), seen);
        }
    }

    @Test
    void allocationIsWhatTheFileSystemsLseekSays() throws IOException {
        Path image = dir.resolve("sparse.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(SIZE);
            for (long at : new long[] {0, 3 << 20, (3 << 20) + 65536, 7L << 20}) {
                f.seek(at);
                f.write(bytes(40_000));
            }
        }
        try (NbdServer server = NbdServer.qemuNbd(dir, false, image, "raw").start();
             HostFile remote = HostFile.ofExport(NbdClient.connect(NbdUri.parse(server.uri()), true));
             HostFile local = HostFile.open(image, true, false)) {
            for (long at = 0; at < SIZE; at += 12_345) {
                assertEquals(local.seekData(at), remote.seekData(at), "SEEK_DATA at " + at);
                assertEquals(local.seekHole(at), remote.seekHole(at), "SEEK_HOLE at " + at);
            }
            assertEquals(-1, remote.seekData(SIZE));
            assertEquals(local.seekData(SIZE - 1), remote.seekData(SIZE - 1));
        }
    }

    @Test
    void withoutBlockStatusEverythingIsData() throws IOException {
        try (NbdServer server = NbdServer.nbdkit(dir, false, "--filter=noextents", "memory", "size=" + SIZE)
                .start();
             HostFile remote = HostFile.ofExport(NbdClient.connect(NbdUri.parse(server.uri()), true))) {
            // nbdkit still offers base:allocation, but reports every extent allocated
            assertEquals(4096, remote.seekData(4096));
            assertEquals(SIZE, remote.seekHole(4096));
        }
    }

    /** count= of each logged request line of {@code action} (not the "...Action" return lines). */
    private static List<Long> counts(String log, String action) {
        List<Long> out = new ArrayList<>();
        Matcher m = Pattern.compile("connection=\\d+ " + action
                + " id=\\d+(?: offset=0x[0-9a-f]+ count=0x([0-9a-f]+))?")
                .matcher(log);
        while (m.find()) {
            out.add(m.group(1) == null ? 0L : Long.parseLong(m.group(1), 16));
        }
        return out;
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
