package org.aiofs.aio.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection in the transmission phase. Any thread sends (header and payload in one
 * write, under a lock); one reader thread takes replies in whatever order the server sends
 * them and hands each finished command to the {@link Listener}. When the connection breaks,
 * or the server breaks the protocol, it closes once and hands back every command still in
 * flight: nothing is lost between the two.
 */
final class NbdConnection {
    /** Where a connection reports finished commands and its own end. */
    interface Listener {
        /** A reply passed every check; {@code command.error} says whether the server failed it. Reader thread. */
        void replied(NbdConnection connection, NbdCommand command);

        /** The connection is gone; {@code inFlight} were sent and never answered. Called once. */
        void broken(NbdConnection connection, IOException cause, List<NbdCommand> inFlight);
    }

    private final NbdTransport transport;
    private final NbdExportInfo export;
    private final String where;
    private final Listener listener;
    private final ConcurrentHashMap<Long, NbdCommand> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong cookies = new AtomicLong();
    private final ReentrantLock sendLock = new ReentrantLock();
    private final ByteBuffer header = ByteBuffer.allocateDirect(NbdProtocol.REQUEST_HEADER_SIZE);
    private final AtomicBoolean ended = new AtomicBoolean();
    /** Set by {@link #disconnect}: the end of the stream is expected, not a failure. */
    private volatile boolean disconnecting;
    private final Thread reader;

    NbdConnection(NbdTransport transport, NbdExportInfo export, String where, int index, Listener listener) {
        this.transport = transport;
        this.export = export;
        this.where = where;
        this.listener = listener;
        this.reader = new ReaderThread(this::readReplies, "aiofs-nbd-" + index);
        reader.setDaemon(true);
    }

    /** The threads that read replies: they complete futures, and must never block in a send. */
    private static final class ReaderThread extends Thread {
        ReaderThread(Runnable body, String name) {
            super(body, name);
        }
    }

    /**
     * Whether the caller is a reply reader (running a completion callback). A reader blocked
     * in a send while the server waits for it to read replies would stall both ends, so such
     * sends are handed to another thread.
     */
    static boolean onReaderThread() {
        return Thread.currentThread() instanceof ReaderThread;
    }

    void start() {
        reader.start();
    }

    NbdExportInfo export() {
        return export;
    }

    int inFlight() {
        return inFlight.size();
    }

    boolean broken() {
        return ended.get();
    }

    /**
     * Sends the command; false if this connection has already ended (then the command was not
     * sent). A write that fails ends the connection, and the command comes back through
     * {@link Listener#broken} with the others in flight.
     */
    boolean send(NbdCommand c) {
        sendLock.lock();
        try {
            if (ended.get()) {
                return false;
            }
            long cookie = cookies.incrementAndGet();
            c.resetReply();
            c.cookie = cookie;
            inFlight.put(cookie, c);
            header.clear();
            header.putInt(NbdProtocol.REQUEST_MAGIC).putShort((short) c.flags).putShort((short) c.type)
                    .putLong(cookie).putLong(c.offset).putInt((int) c.length).flip();
            if (c.type == NbdProtocol.CMD_WRITE) {
                ByteBuffer[] payload = BufferSlices.of(c.data, 0, c.length);
                ByteBuffer[] all = new ByteBuffer[payload.length + 1];
                all[0] = header;
                System.arraycopy(payload, 0, all, 1, payload.length);
                transport.write(all);
            } else {
                transport.write(header);
            }
            return true;
        } catch (IOException e) {
            end(e);
            return true;
        } finally {
            sendLock.unlock();
        }
    }

    /**
     * A soft disconnect (NBD_CMD_DISC), then the socket closes; commands still in flight come
     * back as broken. A sender stuck in a write (a server that stopped reading) is not waited
     * for long: the socket is closed under it.
     */
    void disconnect() {
        disconnecting = true;
        boolean locked = false;
        try {
            locked = sendLock.tryLock(5, TimeUnit.SECONDS);
            if (locked && !ended.get()) {
                header.clear();
                header.putInt(NbdProtocol.REQUEST_MAGIC).putShort((short) 0).putShort((short) NbdProtocol.CMD_DISC)
                        .putLong(cookies.incrementAndGet()).putLong(0).putInt(0).flip();
                transport.write(header);
            }
        } catch (IOException e) {
            // the server is gone already: the close below is all that is left to do
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (locked) {
                sendLock.unlock();
            }
        }
        end(null);
        if (Thread.currentThread() != reader) {
            try {
                reader.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Ends the connection now (a hard disconnect). */
    void abort(IOException cause) {
        end(cause);
    }

    private void readReplies() {
        NbdReplyReader replies = new NbdReplyReader(transport, export, where, inFlight::get);
        try {
            while (!ended.get()) {
                NbdCommand done = replies.next();
                if (done != null && inFlight.remove(done.cookie, done)) {
                    listener.replied(this, done);
                }
            }
        } catch (IOException | RuntimeException e) {
            end(e instanceof IOException io ? io : new IOException(where + ": " + e, e));
        }
    }

    /** Closes once; the commands in flight go to the listener, under the send lock so no send slips past. */
    private void end(IOException cause) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        transport.close(); // unblocks the reader and any sender stuck in a write
        List<NbdCommand> orphans;
        sendLock.lock();
        try {
            orphans = new ArrayList<>(inFlight.values());
            inFlight.clear();
        } finally {
            sendLock.unlock();
        }
        IOException why = cause != null ? cause
                : new NbdException(where + ": the connection was closed", org.aiofs.aio.nativeio.Errno.ENOTCONN);
        if (cause == null && disconnecting && orphans.isEmpty()) {
            return;
        }
        listener.broken(this, why, orphans);
    }
}
