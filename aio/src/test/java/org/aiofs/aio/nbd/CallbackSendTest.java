package org.aiofs.aio.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.junit.jupiter.api.Test;

/**
 * A completion callback (it runs on the connection's reply reader) that sends a large write
 * while the server is busy sending a large reply and reads nothing until it is done, as a
 * one-request-at-a-time server does: if the reader itself sent, each side would wait for the
 * other to read, forever.
 */
class CallbackSendTest {
    private static final int BIG = 24 << 20;

    @Test
    void aCallbackSendingALargeWriteDoesNotStallTheReader() throws Exception {
        // the small read is answered only once the large one has arrived, right before its reply:
        // the callback then runs while the server sends 24 MiB and reads nothing
        java.util.concurrent.atomic.AtomicReference<FakeNbdServer.Request> held =
                new java.util.concurrent.atomic.AtomicReference<>();
        try (FakeNbdServer server = new FakeNbdServer(64 << 20, (connection, r, out) -> {
            if (r.type() == NbdProtocol.CMD_READ && r.offset() == 0) {
                held.set(r);
                return;
            }
            FakeNbdServer.Request small = held.getAndSet(null);
            if (small != null) {
                out.honest(small);
            }
            out.honest(r);
        });
             HostFile file = HostFile.ofExport(NbdClient.connect(NbdUri.parse(server.uri()), false, false,
                     line -> { }))) {
            IoEngine engine = file.remote().engine();
            byte[] data = new byte[BIG];
            new java.util.Random(9).nextBytes(data);
            CompletableFuture<CompletableFuture<Long>> write = new CompletableFuture<>();
            ByteBuffer small = ByteBuffer.allocate(4096);
            ByteBuffer large = ByteBuffer.allocate(BIG);
            engine.submit(new IoRequest.Read(file, 0, small)).whenComplete((n, e) ->
                    write.complete(engine.submit(new IoRequest.Write(file, 32 << 20, ByteBuffer.wrap(data)))));
            CompletableFuture<Long> read = engine.submit(new IoRequest.Read(file, 4096, large));
            assertEquals(BIG, read.get(30, TimeUnit.SECONDS));
            assertEquals(BIG, write.get(30, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS));
            assertArrayEquals(Arrays.copyOfRange(server.disk(), 4096, 4096 + BIG), large.array());
            assertArrayEquals(data, Arrays.copyOfRange(server.disk(), 32 << 20, (32 << 20) + BIG));
        }
    }
}
