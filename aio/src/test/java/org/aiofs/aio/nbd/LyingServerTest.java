package org.aiofs.aio.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.nativeio.Errno;
import org.junit.jupiter.api.Test;

/**
 * A server that lies on its first connection and tells the truth afterwards. Each lie must
 * close that connection with one logged line and fail the request with EIO, never deliver
 * the lie as data; the next request, on a new connection, gets the truth.
 */
class LyingServerTest {
    private static final int SIZE = 1 << 20;
    private static final int READ = 8192;
    private static final long AT = 65536;

    @Test
    void aReplyForAHandleNeverSent() throws Exception {
        assertLieRefused("a reply for handle", (out, r) -> out.data(r.handle() + 1000, r.offset(),
                out.slice(r.offset(), r.length()), true));
    }

    @Test
    void badMagic() throws Exception {
        assertLieRefused("bad reply magic 0xdeadbeef", (out, r) -> out.raw(new byte[] {(byte) 0xde, (byte) 0xad,
                (byte) 0xbe, (byte) 0xef, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    }

    @Test
    void moreDataThanAsked() throws Exception {
        assertLieRefused("outside read of 8192 bytes", (out, r) -> out.data(r.handle(), r.offset(),
                new byte[r.length() + 4096], true));
    }

    @Test
    void anOversizedLength() throws Exception {
        // a header claiming 2 GiB of error text: refused before a byte of it is read
        assertLieRefused("error chunk of 2147483647 bytes", (out, r) -> out.header(NbdProtocol.REPLY_FLAG_DONE,
                NbdProtocol.REPLY_TYPE_ERROR, r.handle(), Integer.MAX_VALUE));
    }

    @Test
    void dataOutsideTheRequest() throws Exception {
        assertLieRefused("outside read", (out, r) -> out.data(r.handle(), r.offset() + r.length(),
                out.slice(r.offset(), 512), true));
    }

    @Test
    void aShortReplyThatClaimsSuccess() throws Exception {
        assertLieRefused("ends after 4096 bytes", (out, r) -> {
            out.data(r.handle(), r.offset(), out.slice(r.offset(), r.length() / 2), false);
            out.none(r.handle());
        });
    }

    @Test
    void chunksThatOverlap() throws Exception {
        assertLieRefused("overlapping", (out, r) -> {
            out.data(r.handle(), r.offset(), out.slice(r.offset(), r.length() / 2 + 512), false);
            out.data(r.handle(), r.offset() + r.length() / 2, out.slice(r.offset() + r.length() / 2,
                    r.length() / 2), true);
        });
    }

    @Test
    void aHoleChunkTooShort() throws Exception {
        assertLieRefused("NBD_REPLY_TYPE_OFFSET_HOLE of 8 bytes", (out, r) -> out.chunk(NbdProtocol.REPLY_FLAG_DONE,
                NbdProtocol.REPLY_TYPE_OFFSET_HOLE, r.handle(), new byte[8]));
    }

    @Test
    void anErrorMessageLongerThanItsChunk() throws Exception {
        assertLieRefused("an error message of 100 bytes in a chunk of 6", (out, r) -> out.chunk(
                NbdProtocol.REPLY_FLAG_DONE, NbdProtocol.REPLY_TYPE_ERROR, r.handle(),
                ByteBuffer.allocate(6).putInt(5).putShort((short) 100).array()));
    }

    @Test
    void aSimpleReplyToAStructuredRead() throws Exception {
        assertLieRefused("a simple reply to a read", (out, r) -> {
            out.simple(r.handle(), 0);
            out.raw(out.slice(r.offset(), r.length()));
        });
    }

    @Test
    void anUnknownChunkType() throws Exception {
        assertLieRefused("unknown reply chunk type 77", (out, r) -> out.chunk(NbdProtocol.REPLY_FLAG_DONE, 77,
                r.handle(), new byte[0]));
    }

    @Test
    void aWriteIsNeverReportedDoneOnALie() throws Exception {
        LogLines log = new LogLines();
        try (FakeNbdServer server = new FakeNbdServer(SIZE, (connection, r, out) -> {
            if (connection == 0 && r.type() == NbdProtocol.CMD_WRITE) {
                out.simple(r.handle() ^ 0x5555, 0); // "acknowledged", for a write never sent
            } else {
                out.honest(r);
            }
        }); HostFile file = HostFile.ofExport(NbdClient.connect(NbdUri.parse(server.uri()), false, false, log))) {
            byte[] data = new byte[READ];
            Arrays.fill(data, (byte) 7);
            ExecutionException e = assertThrows(ExecutionException.class, () -> file.remote().engine().submit(
                    new IoRequest.Write(file, AT, ByteBuffer.wrap(data))).get(60, TimeUnit.SECONDS));
            assertEquals(Errno.EIO, assertInstanceOf(NbdException.class, e.getCause()).errno());
            assertEquals(1, log.count(l -> l.contains("broke the protocol")), log.lines().toString());
            // written again, on a truthful connection: now it is done
            assertEquals(READ, Futures.await(file.remote().engine().submit(
                    new IoRequest.Write(file, AT, ByteBuffer.wrap(data)))));
            assertArrayEquals(data, Arrays.copyOfRange(server.disk(), (int) AT, (int) AT + READ));
        }
    }

    @Test
    void blockStatusForAContextNeverSelected() throws Exception {
        LogLines log = new LogLines();
        try (FakeNbdServer server = new FakeNbdServer(SIZE, (connection, r, out) -> {
            if (connection == 0 && r.type() == NbdProtocol.CMD_BLOCK_STATUS) {
                out.chunk(NbdProtocol.REPLY_FLAG_DONE, NbdProtocol.REPLY_TYPE_BLOCK_STATUS, r.handle(),
                        ByteBuffer.allocate(12).putInt(9).putInt(r.length()).putInt(3).array());
            } else {
                out.honest(r);
            }
        }); HostFile file = HostFile.ofExport(NbdClient.connect(NbdUri.parse(server.uri()), true, false, log))) {
            NbdException e = assertThrows(NbdException.class, () -> file.seekHole(0));
            assertEquals(Errno.EIO, e.errno());
            assertEquals(1, log.count(l -> l.contains("block status for context 9, which was never selected")),
                    log.lines().toString());
            assertEquals(SIZE, file.seekHole(0), "the truthful connection reports no hole");
        }
    }

    private static void assertLieRefused(String what, Lie lie) throws Exception {
        LogLines log = new LogLines();
        try (FakeNbdServer server = new FakeNbdServer(SIZE, (connection, r, out) -> {
            if (connection == 0 && r.type() == NbdProtocol.CMD_READ) {
                lie.tell(out, r);
            } else {
                out.honest(r);
            }
        }); HostFile file = HostFile.ofExport(NbdClient.connect(NbdUri.parse(server.uri()), true, false, log))) {
            ByteBuffer dst = ByteBuffer.allocate(READ);
            ExecutionException e = assertThrows(ExecutionException.class, () -> file.remote().engine().submit(
                    new IoRequest.Read(file, AT, dst)).get(60, TimeUnit.SECONDS));
            NbdException error = assertInstanceOf(NbdException.class, e.getCause());
            assertEquals(Errno.EIO, error.errno());
            assertTrue(error.getMessage().contains("broke the protocol") && error.getMessage().contains(what),
                    error.getMessage());
            String line = log.await(l -> l.contains("broke the protocol"), Duration.ofSeconds(30));
            assertTrue(line.contains(what) && line.endsWith("connection closed, 1 request(s) failed"), line);
            // the truth, on the next connection
            ByteBuffer again = ByteBuffer.allocate(READ);
            assertEquals(READ, Futures.await(file.remote().engine().submit(new IoRequest.Read(file, AT, again))));
            assertArrayEquals(Arrays.copyOfRange(server.disk(), (int) AT, (int) AT + READ), again.array());
            assertEquals(1, log.count(l -> l.contains("broke the protocol")), log.lines().toString());
            assertEquals(2, server.connections());
        }
    }

    private interface Lie {
        void tell(FakeNbdServer.Replies out, FakeNbdServer.Request r) throws IOException;
    }
}
