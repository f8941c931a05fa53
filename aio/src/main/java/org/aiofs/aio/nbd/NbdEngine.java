package org.aiofs.aio.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.aiofs.aio.EngineCapabilities;
import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.RemoteExport;
import org.aiofs.aio.RequestPadding;
import org.aiofs.aio.nativeio.Errno;

/**
 * The engine of one NBD export: each request becomes commands on the export's connections,
 * in flight together and completed as the replies arrive (on a connection's reader thread:
 * callbacks must not block). Reads and writes larger than the server's maximum payload are
 * split; requests off the server's minimum block go through a {@link RequestPadding}. Flush is
 * NBD_CMD_FLUSH (nothing is sent when no acknowledged write awaits it), zero range is
 * WRITE_ZEROES with NO_HOLE, punch hole WRITE_ZEROES that may unmap. Without WRITE_ZEROES,
 * zeroes are written; a punch hole then first TRIMs, and writes zeroes only where block status
 * does not say the trimmed range reads as zeroes (after a TRIM the content is unspecified).
 */
public final class NbdEngine implements IoEngine {
    public static final String NAME = "nbd";
    /** Many requests in flight on each connection, one buffer list per request; not in the local engine table. */
    public static final EngineCapabilities CAPABILITIES = new EngineCapabilities(true, true, false, false);
    /** WRITE_ZEROES carries no payload, but its length field is 32 bits. */
    private static final long MAX_ZERO_CHUNK = 1L << 30;
    private static final int ZERO_BUFFER = 1 << 20;

    private final NbdClient client;
    private final boolean fua;
    /** Made on first use: the minimum block is known once the export is negotiated. */
    private volatile RequestPadding padding;

    NbdEngine(NbdClient client, boolean fua) {
        this.client = client;
        this.fua = fua;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EngineCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public CompletableFuture<Long> submit(IoRequest request) {
        try {
            if (request instanceof IoRequest.Barrier) {
                return CompletableFuture.completedFuture(0L);
            }
            HostFile file = file(request);
            RemoteExport target = file.remote();
            if (target != client) {
                return target.engine().submit(request); // another export's request: its own engine runs it
            }
            if (request instanceof IoRequest.Read r) {
                return read(r);
            } else if (request instanceof IoRequest.Write w) {
                return write(w);
            } else if (request instanceof IoRequest.Flush) {
                return client.flush();
            } else if (request instanceof IoRequest.ZeroRange z) {
                return zero(z.file(), z.position(), z.length(), true);
            } else if (request instanceof IoRequest.PunchHole p) {
                return zero(p.file(), p.position(), p.length(), false);
            }
            throw new IllegalArgumentException("unknown request " + request);
        } catch (HostIoException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private HostFile file(IoRequest request) throws HostIoException {
        HostFile file;
        if (request instanceof IoRequest.Read r) {
            file = r.file();
        } else if (request instanceof IoRequest.Write w) {
            file = w.file();
        } else if (request instanceof IoRequest.Flush f) {
            file = f.file();
        } else if (request instanceof IoRequest.ZeroRange z) {
            file = z.file();
        } else if (request instanceof IoRequest.PunchHole p) {
            file = p.file();
        } else {
            throw new IllegalArgumentException("no file in " + request);
        }
        if (!file.isRemote()) {
            throw new HostIoException(file.name() + ": a local file, sent to the NBD engine of " + client.location(),
                    Errno.EBADF);
        }
        return file;
    }

    private CompletableFuture<Long> read(IoRequest.Read r) {
        long wanted = IoRequest.totalRemaining(r.buffers());
        long length = Math.max(0, Math.min(wanted, client.size() - r.position())); // fewer bytes at the end only
        if (length == 0) {
            return CompletableFuture.completedFuture(0L);
        }
        if (!aligned(r.position(), length)) {
            return padding().submit(new IoRequest.Read(r.file(), r.position(), BufferSlices.of(r.buffers(), 0, length)));
        }
        List<CompletableFuture<Long>> parts = new ArrayList<>();
        int max = client.export().maximumPayload();
        for (long done = 0; done < length; done += max) {
            long n = Math.min(max, length - done);
            parts.add(command(NbdProtocol.CMD_READ, 0, r.position() + done, n,
                    BufferSlices.of(r.buffers(), done, n)));
        }
        return sum(parts);
    }

    private CompletableFuture<Long> write(IoRequest.Write w) throws HostIoException {
        long length = IoRequest.totalRemaining(w.buffers());
        checkWritable(w.file(), w.position(), length, "write");
        if (length == 0) {
            return CompletableFuture.completedFuture(0L);
        }
        if (!aligned(w.position(), length)) {
            return padding().submit(w);
        }
        List<CompletableFuture<Long>> parts = new ArrayList<>();
        int max = client.export().maximumPayload();
        for (long done = 0; done < length; done += max) {
            long n = Math.min(max, length - done);
            parts.add(command(NbdProtocol.CMD_WRITE, fua ? NbdProtocol.CMD_FLAG_FUA : 0, w.position() + done, n,
                    BufferSlices.of(w.buffers(), done, n)));
        }
        return sum(parts);
    }

    private CompletableFuture<Long> zero(HostFile file, long position, long length, boolean keepAllocated)
            throws HostIoException {
        checkWritable(file, position, length, keepAllocated ? "zero range" : "punch hole");
        if (length == 0) {
            return CompletableFuture.completedFuture(0L);
        }
        if (!aligned(position, length)) {
            return padding().submit(keepAllocated ? new IoRequest.ZeroRange(file, position, length)
                    : new IoRequest.PunchHole(file, position, length));
        }
        List<CompletableFuture<Long>> parts = new ArrayList<>();
        if (client.export().canWriteZeroes()) {
            int flags = (keepAllocated ? NbdProtocol.CMD_FLAG_NO_HOLE : 0) | (fua ? NbdProtocol.CMD_FLAG_FUA : 0);
            long chunk = MAX_ZERO_CHUNK - MAX_ZERO_CHUNK % client.export().minimumBlock();
            for (long done = 0; done < length; done += chunk) {
                parts.add(command(NbdProtocol.CMD_WRITE_ZEROES, flags, position + done,
                        Math.min(chunk, length - done), null));
            }
        } else if (!keepAllocated && client.export().canTrim() && client.export().blockStatus()
                && !NbdConnection.onReaderThread()) {
            return trimThenZero(file, position, length);
        } else {
            parts.add(writeZeroes(file, position, length));
        }
        return sum(parts).thenApply(n -> 0L);
    }

    private CompletableFuture<Long> writeZeroes(HostFile file, long position, long length) throws HostIoException {
        List<CompletableFuture<Long>> parts = new ArrayList<>();
        ByteBuffer zeroes = ByteBuffer.allocateDirect((int) Math.min(ZERO_BUFFER, length));
        for (long done = 0; done < length; done += zeroes.capacity()) {
            long n = Math.min(zeroes.capacity(), length - done);
            parts.add(write(new IoRequest.Write(file, position + done, zeroes.slice(0, (int) n))));
        }
        return sum(parts);
    }

    /**
     * Punch hole on a server without WRITE_ZEROES: TRIM releases the storage, then zeroes are
     * written where the server does not report the range reading as zeroes. Runs on the caller's
     * thread (never a reply reader's: it waits for replies).
     */
    private CompletableFuture<Long> trimThenZero(HostFile file, long position, long length) {
        try {
            long chunk = MAX_ZERO_CHUNK - MAX_ZERO_CHUNK % client.export().minimumBlock();
            List<CompletableFuture<Long>> trims = new ArrayList<>();
            for (long done = 0; done < length; done += chunk) {
                trims.add(command(NbdProtocol.CMD_TRIM, fua ? NbdProtocol.CMD_FLAG_FUA : 0, position + done,
                        Math.min(chunk, length - done), null));
            }
            Futures.await(sum(trims));
            AllocationWalk zeroes = new AllocationWalk(client, AllocationWalk.ZERO);
            long end = position + length;
            for (long pos = position; pos < end; ) {
                long data = zeroes.seek(pos, true);
                if (data < 0 || data >= end) {
                    break;
                }
                long zero = Math.min(end, zeroes.seek(data, false));
                Futures.await(writeZeroes(file, data, zero - data));
                pos = zero;
            }
            return CompletableFuture.completedFuture(0L);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void checkWritable(HostFile file, long position, long length, String what) throws HostIoException {
        if (file.readOnly()) {
            throw new HostIoException(client.location() + ": " + what + " at offset " + position
                    + " on an export opened read-only", Errno.EBADF);
        }
        if (position > client.size() - length) {
            throw new HostIoException(client.location() + ": " + what + " of " + length + " bytes at offset "
                    + position + " goes past the end of the export (" + client.size() + " bytes; an export does"
                    + " not grow)", Errno.ENOSPC);
        }
    }

    private CompletableFuture<Long> command(int type, int flags, long offset, long length, ByteBuffer[] data) {
        NbdCommand c = new NbdCommand(type, flags, offset, length, data);
        client.submit(c);
        return c.done;
    }

    private boolean aligned(long position, long length) {
        int block = client.export().minimumBlock();
        return block == 1 || position % block == 0 && length % block == 0;
    }

    /** Unaligned requests, padded to the minimum block; what it sends back here is aligned. */
    private RequestPadding padding() {
        RequestPadding p = padding;
        if (p == null) {
            p = RequestPadding.toBlock(this, client.export().minimumBlock());
            padding = p;
        }
        return p;
    }

    private static CompletableFuture<Long> sum(List<CompletableFuture<Long>> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(v -> parts.stream().mapToLong(CompletableFuture::join).sum());
    }

    /** Waits until every request of this export has been answered (at most 60 s); the connections stay. */
    @Override
    public void close() {
        client.drain(60);
    }
}
