package org.aiofs.aio.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.aiofs.aio.nativeio.Errno;

/**
 * Opens one negotiated session to the URI's server: connect, handshake, with time limits (a
 * server that accepts and then says nothing is cut off), and every failure as one line.
 */
final class NbdDialer {
    static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    static final int HANDSHAKE_TIMEOUT_MILLIS = 30_000;
    private static final ScheduledExecutorService WATCHDOG = watchdog();

    private NbdDialer() {
    }

    static NbdHandshake.Session dial(NbdUri uri) throws NbdException {
        SocketTransport socket;
        try {
            socket = SocketTransport.connect(uri, CONNECT_TIMEOUT_MILLIS);
        } catch (IOException e) {
            throw connectFailure(uri, e);
        }
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> limit = WATCHDOG.schedule(() -> {
            timedOut.set(true);
            socket.close();
        }, HANDSHAKE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        NbdHandshake.Session session = null;
        try {
            session = NbdHandshake.negotiate(socket, uri);
            return session;
        } catch (NbdException e) {
            throw e;
        } catch (IOException e) {
            if (timedOut.get()) {
                throw new NbdException(uri + ": the server at " + uri.endpoint() + " did not finish the handshake"
                        + " within " + HANDSHAKE_TIMEOUT_MILLIS / 1000 + " s", Errno.ETIMEDOUT, e);
            }
            if (e instanceof EOFException || e instanceof ClosedChannelException) {
                throw new NbdException(uri + ": the server at " + uri.endpoint() + " closed the connection during"
                        + " the handshake", Errno.ECONNREFUSED, e);
            }
            throw new NbdException(uri + ": handshake with " + uri.endpoint() + " failed: " + e, Errno.EIO, e);
        } finally {
            limit.cancel(false);
            if (session == null) {
                socket.close();
            }
        }
    }

    private static NbdException connectFailure(NbdUri uri, IOException e) {
        String where = uri + ": cannot connect to " + (uri.unix() ? "Unix socket " : "TCP ") + uri.endpoint() + ": ";
        if (e instanceof UnknownHostException) {
            return new NbdException(uri + ": unknown host '" + uri.host() + "'", Errno.EHOSTUNREACH, e);
        }
        if (e instanceof NoRouteToHostException) {
            return new NbdException(where + "no route to host", Errno.EHOSTUNREACH, e);
        }
        if (e instanceof SocketTimeoutException) {
            return new NbdException(where + "no answer within " + CONNECT_TIMEOUT_MILLIS / 1000 + " s",
                    Errno.ETIMEDOUT, e);
        }
        if (e instanceof ConnectException) {
            return new NbdException(where + "connection refused", Errno.ECONNREFUSED, e);
        }
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (uri.unix() && message.contains("No such file")) {
            return new NbdException(where + "no such socket", Errno.ENOENT, e);
        }
        return new NbdException(where + message, Errno.EHOSTUNREACH, e);
    }

    private static ScheduledExecutorService watchdog() {
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "aiofs-nbd-handshake-limit");
            t.setDaemon(true);
            return t;
        });
        pool.setRemoveOnCancelPolicy(true);
        return pool;
    }
}
