package org.aiofs.aio.nbd;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the server acknowledged but has not yet made durable (no FLUSH since, no FUA), in the
 * order they were acknowledged, with a copy of their data. If the connection is lost before the
 * next flush, a server that restarted may have lost them from its cache: they are written again
 * on the new connection before anything else, so a later flush makes durable what the guest wrote.
 * A successful flush drops what it covers.
 */
final class WriteLog {
    /** One logged write: data for NBD_CMD_WRITE, null for write-zeroes and trim. */
    record Entry(long sequence, int type, int flags, long offset, long length, ByteBuffer data) {
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long bytes;
    private long lastSequence;

    /** Logs an acknowledged write command; returns the bytes of data now held. */
    synchronized long add(NbdCommand c) {
        ByteBuffer copy = null;
        if (c.type == NbdProtocol.CMD_WRITE) {
            copy = ByteBuffer.allocate((int) c.length);
            for (ByteBuffer b : c.data) {
                copy.put(b.duplicate());
            }
            copy.flip();
            bytes += c.length;
        }
        entries.add(new Entry(++lastSequence, c.type, c.flags & NbdProtocol.CMD_FLAG_NO_HOLE, c.offset, c.length,
                copy));
        return bytes;
    }

    /** What a flush sent now would make durable: everything logged up to here. */
    synchronized long lastSequence() {
        return lastSequence;
    }

    /** A flush covering entries up to {@code sequence} succeeded. */
    synchronized void durableUpTo(long sequence) {
        while (!entries.isEmpty() && entries.peekFirst().sequence() <= sequence) {
            Entry e = entries.pollFirst();
            if (e.data() != null) {
                bytes -= e.length();
            }
        }
    }

    synchronized boolean isEmpty() {
        return entries.isEmpty();
    }

    synchronized long bytes() {
        return bytes;
    }

    /** The entries to write again, oldest first. */
    synchronized List<Entry> entries() {
        return new ArrayList<>(entries);
    }
}
