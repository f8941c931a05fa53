package org.aiofs.aio.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.LongFunction;

/**
 * Reads the server's replies off one connection and checks each against the request it
 * answers: magic, a handle that is in flight, chunk types valid for the command, lengths the
 * type allows, content inside the request and never twice, a read fully covered before it
 * succeeds. Any breach is an {@link NbdProtocolException}; read data lands in the request's
 * buffers but the command is only completed by a reply that passed every check.
 */
final class NbdReplyReader {
    /** Error chunks carry a message of at most 4096 bytes plus a few fixed fields. */
    private static final int MAX_ERROR_CHUNK = NbdProtocol.MAX_STRING + 64;
    /** The spec's limit on extents in one block-status chunk. */
    private static final int MAX_EXTENTS = 1 << 20;

    private final NbdTransport transport;
    private final NbdExportInfo export;
    private final String where;
    private final LongFunction<NbdCommand> inFlight;
    private final ByteBuffer header = ByteBuffer.allocateDirect(20);

    NbdReplyReader(NbdTransport transport, NbdExportInfo export, String where, LongFunction<NbdCommand> inFlight) {
        this.transport = transport;
        this.export = export;
        this.where = where;
        this.inFlight = inFlight;
    }

    /** Reads one reply message; returns its command when that message was the command's last, else null. */
    NbdCommand next() throws IOException {
        // a simple reply is 16 bytes, a structured chunk header 20: the first 16 are safe to read at once
        header.clear().limit(16);
        transport.readFully(header);
        int magic = header.getInt(0);
        if (magic == NbdProtocol.SIMPLE_REPLY_MAGIC) {
            return simple();
        }
        if (magic == NbdProtocol.STRUCTURED_REPLY_MAGIC) {
            return structured();
        }
        throw lie("bad reply magic 0x" + Integer.toHexString(magic));
    }

    private NbdCommand simple() throws IOException {
        int error = header.getInt(4);
        long cookie = header.getLong(8);
        NbdCommand c = command(cookie);
        if (c.type == NbdProtocol.CMD_READ && export.structuredReplies()) {
            throw lie("a simple reply to a read, after structured replies were agreed");
        }
        if (c.type == NbdProtocol.CMD_BLOCK_STATUS && error == 0) {
            throw lie("a simple reply to a block-status request");
        }
        if (error != 0) {
            c.error = serverError(c, error, "");
        } else if (c.type == NbdProtocol.CMD_READ) {
            // without structured replies the data follows, exactly as long as asked
            transport.readFully(BufferSlices.of(c.data, 0, c.length));
            c.coverage.add(0, c.length);
        }
        return c;
    }

    private NbdCommand structured() throws IOException {
        header.limit(20);
        transport.readFully(header);
        int flags = Short.toUnsignedInt(header.getShort(4));
        int type = Short.toUnsignedInt(header.getShort(6));
        long cookie = header.getLong(8);
        long length = Integer.toUnsignedLong(header.getInt(16));
        if (!export.structuredReplies()) {
            throw lie("a structured reply, which was never agreed");
        }
        NbdCommand c = command(cookie);
        boolean last = (flags & NbdProtocol.REPLY_FLAG_DONE) != 0;
        switch (type) {
            case NbdProtocol.REPLY_TYPE_NONE -> {
                if (length != 0 || !last) {
                    throw lie("NBD_REPLY_TYPE_NONE with length " + length + (last ? "" : " and without DONE"));
                }
            }
            case NbdProtocol.REPLY_TYPE_OFFSET_DATA -> offsetData(c, length);
            case NbdProtocol.REPLY_TYPE_OFFSET_HOLE -> offsetHole(c, length);
            case NbdProtocol.REPLY_TYPE_BLOCK_STATUS -> blockStatus(c, length);
            default -> {
                if ((type & NbdProtocol.REPLY_TYPE_ERROR_BIT) == 0) {
                    throw lie("unknown reply chunk type " + type + " for " + c);
                }
                errorChunk(c, type, length);
            }
        }
        if (!last) {
            return null;
        }
        if (c.error == null && c.type == NbdProtocol.CMD_READ && !c.coverage.complete()) {
            throw lie("the reply to " + c + " ends after " + c.coverage.covered() + " bytes");
        }
        if (c.error == null && c.type == NbdProtocol.CMD_BLOCK_STATUS && c.extents == null) {
            throw lie("the reply to " + c + " has no base:allocation extents");
        }
        return c;
    }

    private void offsetData(NbdCommand c, long length) throws IOException {
        if (c.type != NbdProtocol.CMD_READ) {
            throw lie("data in the reply to " + c);
        }
        if (length < 9) {
            throw lie("NBD_REPLY_TYPE_OFFSET_DATA of " + length + " bytes (at least 9)");
        }
        long offset = readLong();
        long count = length - 8;
        if (!c.coverage.add(offset - c.offset, count)) {
            throw lie("data at " + offset + "+" + count + " outside " + c + " or overlapping data already sent");
        }
        transport.readFully(BufferSlices.of(c.data, offset - c.offset, count));
    }

    private void offsetHole(NbdCommand c, long length) throws IOException {
        if (c.type != NbdProtocol.CMD_READ) {
            throw lie("a hole in the reply to " + c);
        }
        if (length != 12) {
            throw lie("NBD_REPLY_TYPE_OFFSET_HOLE of " + length + " bytes (12)");
        }
        ByteBuffer b = read(12);
        long offset = b.getLong(0);
        long count = Integer.toUnsignedLong(b.getInt(8));
        if (count == 0 || !c.coverage.add(offset - c.offset, count)) {
            throw lie("a hole at " + offset + "+" + count + " outside " + c + " or overlapping data already sent");
        }
        BufferSlices.fillZero(BufferSlices.of(c.data, offset - c.offset, count));
    }

    private void blockStatus(NbdCommand c, long length) throws IOException {
        if (c.type != NbdProtocol.CMD_BLOCK_STATUS) {
            throw lie("block status in the reply to " + c);
        }
        if (length < 12 || (length - 4) % 8 != 0 || (length - 4) / 8 > MAX_EXTENTS) {
            throw lie("NBD_REPLY_TYPE_BLOCK_STATUS of " + length + " bytes");
        }
        int context = readInt();
        if (context != export.allocationContext()) {
            throw lie("block status for context " + context + ", which was never selected");
        }
        if (c.extents != null) {
            throw lie("two base:allocation chunks in the reply to " + c);
        }
        int count = (int) ((length - 4) / 8);
        ByteBuffer b = read(count * 8);
        long[] extents = new long[count * 2];
        for (int i = 0; i < count; i++) {
            extents[2 * i] = Integer.toUnsignedLong(b.getInt(8 * i));
            extents[2 * i + 1] = Integer.toUnsignedLong(b.getInt(8 * i + 4));
            if (extents[2 * i] == 0) {
                throw lie("an extent of length 0 in the reply to " + c);
            }
        }
        c.extents = extents;
    }

    private void errorChunk(NbdCommand c, int type, long length) throws IOException {
        if (length < 6 || length > MAX_ERROR_CHUNK) {
            throw lie("error chunk of " + length + " bytes");
        }
        ByteBuffer b = read((int) length);
        int error = b.getInt(0);
        int messageLength = Short.toUnsignedInt(b.getShort(4));
        if (error == 0) {
            throw lie("an error chunk with error 0");
        }
        if (messageLength > length - 6) {
            throw lie("an error message of " + messageLength + " bytes in a chunk of " + length);
        }
        if (type == NbdProtocol.REPLY_TYPE_ERROR_OFFSET && length - 6 - messageLength != 8) {
            throw lie("NBD_REPLY_TYPE_ERROR_OFFSET of " + length + " bytes with a " + messageLength
                    + "-byte message");
        }
        byte[] text = new byte[messageLength];
        b.get(6, text);
        String message = new String(text, StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?");
        if (type == NbdProtocol.REPLY_TYPE_ERROR_OFFSET) {
            message = message + (message.isEmpty() ? "" : " ") + "at offset " + b.getLong(6 + messageLength);
        }
        if (c.error == null) {
            c.error = serverError(c, error, message);
        }
    }

    private NbdException serverError(NbdCommand c, int error, String message) {
        int errno = NbdProtocol.errno(error);
        return new NbdException(where + ": " + c + " failed on the server: "
                + org.aiofs.aio.nativeio.Native.describe(errno) + (message.isEmpty() ? "" : " (" + message + ")"),
                errno);
    }

    private NbdCommand command(long cookie) throws NbdProtocolException {
        NbdCommand c = inFlight.apply(cookie);
        if (c == null) {
            throw lie("a reply for handle " + Long.toUnsignedString(cookie) + ", which is not in flight");
        }
        return c;
    }

    private long readLong() throws IOException {
        return read(8).getLong(0);
    }

    private int readInt() throws IOException {
        return read(4).getInt(0);
    }

    private ByteBuffer read(int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        transport.readFully(b);
        return b;
    }

    private NbdProtocolException lie(String what) {
        return new NbdProtocolException(where + ": the server broke the protocol: " + what);
    }
}
