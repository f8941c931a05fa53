package org.aiofs.aio.nbd;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.aiofs.aio.Futures;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.RemoteExport;
import org.aiofs.aio.nativeio.Errno;

/**
 * A client of one NBD export: one connection, or several when the server allows multi-conn,
 * carrying many commands each. The export it serves is a {@link RemoteExport}: wrap it with
 * {@code HostFile.ofExport} and its {@link #engine()} runs the requests.
 *
 * <p>Faults. When a connection breaks, every connection of the export is closed and opened
 * again with backoff (0.1 s doubling to 5 s); commands in flight and new ones wait, for up to
 * the URI's {@code x-reconnect-delay} (30 s), and are sent again once it is back; after that
 * they fail with EIO until it is. Writes the server acknowledged since the last flush are
 * written again first (see {@link WriteLog}), so nothing acknowledged is lost to a server that
 * restarted. A server that breaks the protocol gets its connection closed with one logged
 * line, and the commands it held fail with EIO: nothing it sent is delivered.
 */
public final class NbdClient implements RemoteExport {
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 5000;
    /** Unflushed data beyond this makes the client flush on its own, so the write log stays small. */
    private static final long LOG_FLUSH_BYTES = 64L << 20;
    /** Beyond this, writes complete only once that flush has (what the log holds, plus the writes in flight). */
    public static final long LOG_WAIT_BYTES = 256L << 20;

    private enum State { UP, RECONNECTING, CLOSED }

    private final NbdUri uri;
    private final boolean readOnly;
    private final Consumer<String> log;
    private final NbdExportInfo export;
    private final int connectionCount;
    private final WriteLog writeLog = new WriteLog();
    private final NbdEngine engine;
    private final NbdConnection.Listener listener = new Listener();
    private final Object lock = new Object();
    /** Sends asked for by completion callbacks, which run on reply readers: made from here instead. */
    private final ExecutorService deferred = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "aiofs-nbd-send");
        t.setDaemon(true);
        return t;
    });

    /** Commands submitted and not yet finished (the engine's close waits for none). */
    private final AtomicInteger outstanding = new AtomicInteger();

    // guarded by lock
    private List<NbdConnection> connections = List.of();
    private State state = State.UP;
    private final ArrayDeque<NbdCommand> pending = new ArrayDeque<>();
    private long outageSince;
    /** The reconnect delay has passed: commands fail at once until the connection is back. */
    private boolean failFast;
    private IOException lastFailure;
    private Thread reconnector;
    private CompletableFuture<Long> ownFlush;
    private int nextConnection;

    private NbdClient(NbdUri uri, boolean readOnly, boolean writeThrough, Consumer<String> log,
                      NbdHandshake.Session first) throws NbdException {
        this.uri = uri;
        this.readOnly = readOnly;
        this.log = log;
        this.export = first.export();
        if (!readOnly && export.readOnly()) {
            first.transport().close();
            throw new NbdException(uri + ": the export is read-only on the server; mount it with --read-only",
                    Errno.EROFS);
        }
        int wanted = uri.connections() > 0 ? uri.connections() : NbdUri.DEFAULT_CONNECTIONS;
        if (!export.canMultiConn() && uri.connections() > 1) {
            log.accept(uri + ": the server does not allow multi-conn: using one connection");
        }
        this.connectionCount = export.canMultiConn() ? wanted : 1;
        this.engine = new NbdEngine(this, writeThrough && export.canFua());
        List<NbdConnection> opened = new ArrayList<>();
        opened.add(new NbdConnection(first.transport(), export, uri.toString(), 0, listener));
        try {
            for (int i = 1; i < connectionCount; i++) {
                opened.add(connection(i));
            }
        } catch (NbdException e) {
            opened.forEach(c -> c.abort(e));
            throw e;
        }
        this.connections = opened;
        opened.forEach(NbdConnection::start);
    }

    /**
     * Connects and negotiates now, failing at once with one line (unreachable, no such export,
     * TLS refused or required, read-only export opened for writing) rather than retrying.
     *
     * @param writeThrough send writes with FUA (cache=writethrough): a flush then finds nothing to do
     * @param log          where the client's few lines go (lost connections, broken protocol)
     */
    public static NbdClient connect(NbdUri uri, boolean readOnly, boolean writeThrough, Consumer<String> log)
            throws NbdException {
        return new NbdClient(uri, readOnly, writeThrough, log, NbdDialer.dial(uri));
    }

    /** Lines go to stderr, the mount server's log. */
    public static NbdClient connect(NbdUri uri, boolean readOnly) throws NbdException {
        return connect(uri, readOnly, false, line -> System.err.println("aiofs: " + line));
    }

    @Override
    public String location() {
        return uri.toString();
    }

    public NbdUri uri() {
        return uri;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public long size() {
        return export.size();
    }

    NbdExportInfo export() {
        return export;
    }

    @Override
    public String describe() {
        return export.describe() + ", " + connectionCount + (connectionCount == 1 ? " connection" : " connections");
    }

    public int connectionCount() {
        return connectionCount;
    }

    @Override
    public IoEngine engine() {
        return engine;
    }

    @Override
    public long seekData(long offset) throws HostIoException {
        return new AllocationWalk(this, AllocationWalk.HOLE).seek(offset, true);
    }

    @Override
    public long seekHole(long offset) throws HostIoException {
        return new AllocationWalk(this, AllocationWalk.HOLE).seek(offset, false);
    }

    // ---------------------------------------------------------------- commands

    /** Sends the command on the least busy connection, or keeps it until one is back. */
    void submit(NbdCommand c) {
        outstanding.incrementAndGet();
        dispatch(c);
    }

    /** Runs a command to its end on the caller's thread (metadata: block status). */
    long await(NbdCommand c) throws HostIoException {
        submit(c);
        try {
            return Futures.await(c.done);
        } catch (HostIoException e) {
            throw e;
        } catch (IOException e) {
            throw new NbdException(uri + ": " + c + " failed: " + e.getMessage(), Errno.EIO, e);
        }
    }

    /** Flushes when some acknowledged write is not yet durable; else there is nothing to make durable. */
    CompletableFuture<Long> flush() {
        if (!export.canFlush() || writeLog.isEmpty()) {
            return CompletableFuture.completedFuture(0L);
        }
        NbdCommand c = new NbdCommand(NbdProtocol.CMD_FLUSH, 0, 0, 0, null);
        submit(c);
        return c.done;
    }

    private void dispatch(NbdCommand c) {
        if (NbdConnection.onReaderThread()) {
            try {
                deferred.execute(() -> dispatch(c));
            } catch (RejectedExecutionException e) {
                finish(c, new NbdException(uri + ": the client is closed", Errno.EBADF));
            }
            return;
        }
        NbdConnection target = null;
        IOException refusal = null;
        synchronized (lock) {
            if (state == State.CLOSED) {
                refusal = new NbdException(uri + ": the client is closed", Errno.EBADF);
            } else if (state == State.UP) {
                target = leastBusy();
                if (target == null) {
                    lost(null, new NbdException(uri + ": every connection is broken", Errno.ENOTCONN));
                }
            }
            if (target == null && refusal == null) {
                if (failFast) {
                    refusal = unreachable();
                } else {
                    c.waitingSince = System.nanoTime();
                    pending.add(c);
                    return;
                }
            }
            if (c.type == NbdProtocol.CMD_FLUSH) {
                c.flushCovers = writeLog.lastSequence();
            }
        }
        if (refusal != null) {
            finish(c, refusal);
            return;
        }
        if (!target.send(c)) {
            dispatch(c); // it ended just now: its end moved us to reconnecting, or another connection is up
        }
    }

    /** Guarded by lock. */
    private NbdConnection leastBusy() {
        NbdConnection best = null;
        int n = connections.size();
        for (int k = 0; k < n; k++) {
            NbdConnection c = connections.get((nextConnection + k) % n);
            if (!c.broken() && (best == null || c.inFlight() < best.inFlight())) {
                best = c;
            }
        }
        nextConnection++;
        return best;
    }

    // The future first, the count after: whatever completes with it (the engine's future of a
    // split request, a padded request's next step, which may submit more) has happened before
    // drain can see nothing outstanding; the other way round, the engine's close returned while
    // a caller's future was still being completed.
    private void finish(NbdCommand c, Throwable failure) {
        c.done.completeExceptionally(failure);
        finished(c);
    }

    private void finish(NbdCommand c, long result) {
        c.done.complete(result);
        finished(c);
    }

    private void finished(NbdCommand c) {
        if (!c.replay && outstanding.decrementAndGet() == 0) {
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    /** Waits until nothing is in flight or waiting (the engine's close), at most {@code seconds}. */
    boolean drain(long seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        synchronized (lock) {
            while (outstanding.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    private final class Listener implements NbdConnection.Listener {
        @Override
        public void replied(NbdConnection connection, NbdCommand c) {
            if (c.error != null) {
                if (c.error.errno() == NbdProtocol.ESHUTDOWN) {
                    // the server is going away: the protocol asks for a disconnect; the command waits for the next
                    connection.abort(c.error);
                    dispatch(c);
                    return;
                }
                finish(c, c.error);
                return;
            }
            if (c.replay) {
                finish(c, 0);
                return;
            }
            CompletableFuture<Long> waitFor = null;
            if (c.isWrite() && (c.flags & NbdProtocol.CMD_FLAG_FUA) == 0 && export.canFlush()) {
                long held = writeLog.add(c);
                if (held > LOG_FLUSH_BYTES) {
                    CompletableFuture<Long> f = ownFlush();
                    waitFor = held > LOG_WAIT_BYTES ? f : null;
                }
            } else if (c.type == NbdProtocol.CMD_FLUSH) {
                writeLog.durableUpTo(c.flushCovers);
            }
            long result = c.type == NbdProtocol.CMD_READ || c.type == NbdProtocol.CMD_WRITE ? c.length : 0;
            if (waitFor == null) {
                finish(c, result);
            } else {
                waitFor.whenComplete((r, e) -> finish(c, result));
            }
        }

        @Override
        public void broken(NbdConnection connection, IOException cause, List<NbdCommand> inFlight) {
            boolean lie = cause instanceof NbdProtocolException;
            if (lie) {
                log.accept(cause.getMessage() + "; connection closed"
                        + (inFlight.isEmpty() ? "" : ", " + inFlight.size() + " request(s) failed"));
            }
            synchronized (lock) {
                if (state == State.UP && connections.contains(connection)) {
                    lost(connection, cause);
                }
            }
            NbdException failed = lie ? new NbdException(cause.getMessage(), Errno.EIO, cause) : null;
            for (NbdCommand c : inFlight) {
                if (lie) {
                    finish(c, failed); // nothing a lying server sent is used, nor is it asked again
                } else if (c.replay) {
                    finish(c, cause); // the reconnection that replays it tries again as a whole
                } else {
                    dispatch(c);
                }
            }
        }
    }

    /** Guarded by lock: the current connections are gone; close the rest and start reconnecting. */
    private void lost(NbdConnection which, IOException cause) {
        state = State.RECONNECTING;
        outageSince = System.nanoTime();
        lastFailure = cause;
        List<NbdConnection> others = connections;
        connections = List.of();
        if (!(cause instanceof NbdProtocolException)) {
            log.accept(uri + ": lost the connection (" + reason(cause) + "); reconnecting");
        }
        NbdException closing = new NbdException(uri + ": closed to reconnect", Errno.ENOTCONN);
        Thread t = new Thread(() -> {
            for (NbdConnection c : others) {
                if (c != which) {
                    c.abort(closing); // their commands come back through broken() and wait
                }
            }
            reconnect();
        }, "aiofs-nbd-reconnect");
        t.setDaemon(true);
        reconnector = t;
        t.start();
    }

    private void reconnect() {
        long backoff = FIRST_BACKOFF_MILLIS;
        int attempts = 0;
        while (true) {
            synchronized (lock) {
                if (state != State.RECONNECTING) {
                    return;
                }
                expireWaiting();
            }
            attempts++;
            List<NbdConnection> fresh = new ArrayList<>();
            try {
                for (int i = 0; i < connectionCount; i++) {
                    fresh.add(connection(i));
                }
                fresh.forEach(NbdConnection::start);
                int replayed = replay(fresh.get(0));
                List<NbdCommand> waiting;
                long seconds;
                synchronized (lock) {
                    if (state != State.RECONNECTING) {
                        fresh.forEach(NbdConnection::disconnect);
                        return;
                    }
                    connections = fresh;
                    state = State.UP;
                    failFast = false;
                    reconnector = null;
                    waiting = new ArrayList<>(pending);
                    pending.clear();
                    seconds = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageSince);
                }
                log.accept(uri + ": reconnected after " + seconds / 1000.0 + " s (" + attempts + " attempt"
                        + (attempts == 1 ? "" : "s") + (replayed > 0 ? ", " + replayed
                        + " unflushed write(s) written again" : "") + ")");
                waiting.forEach(this::dispatch);
                return;
            } catch (IOException e) {
                fresh.forEach(c -> c.abort(e));
                synchronized (lock) {
                    lastFailure = e;
                }
            }
            synchronized (lock) {
                try {
                    lock.wait(backoff);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
    }

    /** Guarded by lock: commands that waited longer than the reconnect delay fail; later ones fail at once. */
    private void expireWaiting() {
        long limit = TimeUnit.SECONDS.toNanos(uri.reconnectDelaySeconds());
        long now = System.nanoTime();
        if (!failFast && now - outageSince >= limit) {
            failFast = true;
            log.accept(uri + ": still unreachable after " + uri.reconnectDelaySeconds() + " s ("
                    + reason(lastFailure) + "); requests fail until it is back");
        }
        List<NbdCommand> expired = new ArrayList<>();
        pending.removeIf(c -> {
            boolean old = now - c.waitingSince >= limit;
            if (old) {
                expired.add(c);
            }
            return old;
        });
        if (!expired.isEmpty()) {
            NbdException e = unreachable();
            // completed outside the lock by a helper thread: callbacks must not run under it
            CompletableFuture.runAsync(() -> expired.forEach(c -> finish(c, e)));
        }
    }

    private NbdException unreachable() {
        return new NbdException(uri + ": the server is unreachable (" + (lastFailure == null ? "closed"
                : reason(lastFailure)) + ")", Errno.EIO);
    }

    /** A failure's message without the URI it starts with: a line names the export once. */
    private String reason(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.startsWith(uri + ": ") ? m.substring(uri.toString().length() + 2) : m;
    }

    /** Opens one more connection like the first: same size, same writability. */
    private NbdConnection connection(int index) throws NbdException {
        NbdHandshake.Session s = NbdDialer.dial(uri);
        NbdExportInfo now = s.export();
        String change = now.size() != export.size() ? "its size changed from " + export.size() + " to " + now.size()
                : !readOnly && now.readOnly() ? "it became read-only" : null;
        if (change != null) {
            s.transport().close();
            throw new NbdException(uri + ": the export is not the one first opened: " + change, Errno.EIO);
        }
        return new NbdConnection(s.transport(), now, uri.toString(), index, listener);
    }

    /** Writes the unflushed log again, one entry at a time so their order holds; returns how many. */
    private int replay(NbdConnection c) throws IOException {
        List<WriteLog.Entry> entries = writeLog.entries();
        for (WriteLog.Entry e : entries) {
            NbdCommand again = new NbdCommand(e.type(), e.flags(), e.offset(), e.length(),
                    e.data() == null ? null : new java.nio.ByteBuffer[] {e.data()});
            again.replay = true;
            if (!c.send(again)) {
                throw new NbdException(uri + ": connection lost while writing the unflushed log again", Errno.EIO);
            }
            Futures.await(again.done);
        }
        return entries.size();
    }

    /** The client's own flush once the write log holds too much; one at a time. */
    private CompletableFuture<Long> ownFlush() {
        synchronized (lock) {
            if (ownFlush == null || ownFlush.isDone()) {
                NbdCommand c = new NbdCommand(NbdProtocol.CMD_FLUSH, 0, 0, 0, null);
                ownFlush = c.done;
                CompletableFuture.runAsync(() -> submit(c));
            }
            return ownFlush;
        }
    }

    /** Waits for what is in flight (at most 30 s), then disconnects every connection. */
    @Override
    public void close() {
        drain(30);
        List<NbdConnection> open;
        List<NbdCommand> waiting;
        Thread reconnecting;
        synchronized (lock) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            open = connections;
            connections = List.of();
            waiting = new ArrayList<>(pending);
            pending.clear();
            reconnecting = reconnector;
            lock.notifyAll();
        }
        NbdException closed = new NbdException(uri + ": the client is closed", Errno.EBADF);
        waiting.forEach(c -> finish(c, closed));
        open.forEach(NbdConnection::disconnect);
        deferred.shutdown();
        if (reconnecting != null) {
            try {
                reconnecting.join(TimeUnit.SECONDS.toMillis(NbdDialer.HANDSHAKE_TIMEOUT_MILLIS / 1000 + 5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return uri.toString();
    }
}
