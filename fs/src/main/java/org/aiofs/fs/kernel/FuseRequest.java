package org.aiofs.fs.kernel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.aiofs.aio.nativeio.Errno;

/**
 * One request read from /dev/fuse (or fetched from a FUSE io_uring queue, laid out the same
 * way): its header (struct fuse_in_header) decoded, its argument struct readable in place,
 * and the way to answer it. A request is answered exactly once
 * ({@link #reply}, {@link #replyError} or, for FORGET, {@link #noReply}); that hands its
 * buffer back, so nothing of the request may be used afterwards.
 */
final class FuseRequest {
    static final int IN_HEADER_SIZE = 40;

    private final ReplyChannel channel;
    private final RequestBuffer buffer;
    private final RequestEnd end;
    /** Where the header starts in the buffer: {@link RequestBuffer#READ_AT} for a request read from /dev/fuse. */
    private final int headerAt;
    private final int length;
    private final int opcode;
    private final long unique;
    private final long nodeId;
    private final int pid;

    /** What happens to a reply the kernel refused (the session counts and logs), and once a request is answered. */
    interface RequestEnd {
        /**
         * Called before any fallback answer is written, so the refusal is counted before the
         * caller waiting on the request can see its EIO.
         *
         * @param writeErrno  the errno the kernel refused the reply with
         * @param replyLength the bytes of the reply it was given
         * @param fallingBack a plain EIO answer follows
         */
        default void refused(FuseRequest request, int writeErrno, int replyLength, boolean fallingBack) {
        }

        /** The request needs nothing more: its buffer may be recycled. */
        void replied(FuseRequest request);
    }

    /** Where a reply goes: the /dev/fuse descriptor the request came from, or its io_uring queue entry. */
    interface ReplyChannel {
        /**
         * Hands over one reply: a 16-byte fuse_out_header at {@code address}, its payload
         * right after it. Returns 0, or the errno the kernel refused it with at once.
         */
        int write(long address, long length);
    }

    private FuseRequest(ReplyChannel channel, RequestBuffer buffer, RequestEnd end, int headerAt, int length) {
        this.channel = channel;
        this.buffer = buffer;
        this.end = end;
        this.headerAt = headerAt;
        this.length = length;
        ByteBuffer m = buffer.memory();
        int h = headerAt;
        this.opcode = m.getInt(h + 4);
        this.unique = m.getLong(h + 8);
        this.nodeId = m.getLong(h + 16); // then uid, gid: permissions are the kernel's (default_permissions)
        this.pid = m.getInt(h + 32);
    }

    /**
     * Decodes a request of {@code length} bytes read into {@code buffer}, or returns null when
     * it is too short to hold a header or says another length than was read.
     */
    static FuseRequest decode(ReplyChannel channel, RequestBuffer buffer, RequestEnd end, int length) {
        return decodeAt(channel, buffer, end, RequestBuffer.READ_AT, length);
    }

    /** As {@link #decode}, for a request whose header was put at {@code headerAt} of the buffer. */
    static FuseRequest decodeAt(ReplyChannel channel, RequestBuffer buffer, RequestEnd end, int headerAt, int length) {
        if (length < IN_HEADER_SIZE || headerAt < 0 || headerAt + length > buffer.size()
                || buffer.memory().getInt(headerAt) != length) {
            return null;
        }
        return new FuseRequest(channel, buffer, end, headerAt, length);
    }


    int opcode() {
        return opcode;
    }

    long nodeId() {
        return nodeId;
    }

    RequestBuffer buffer() {
        return buffer;
    }

    /** Bytes of argument after the header. */
    int argumentLength() {
        return length - IN_HEADER_SIZE;
    }

    int argInt(int offset) {
        return buffer.memory().getInt(headerAt + IN_HEADER_SIZE + offset);
    }

    long argLong(int offset) {
        return buffer.memory().getLong(headerAt + IN_HEADER_SIZE + offset);
    }

    /** The NUL-terminated name at {@code offset} of the argument (LOOKUP), or null if it has no end. */
    String argName(int offset) {
        ByteBuffer m = buffer.memory();
        int from = headerAt + IN_HEADER_SIZE + offset;
        int to = headerAt + length;
        for (int i = from; i < to; i++) {
            if (m.get(i) == 0) {
                byte[] name = new byte[i - from];
                m.get(from, name);
                return new String(name, StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The payload carried after an argument struct of {@code argSize} bytes (WRITE's data), in place. */
    ByteBuffer payload(int argSize, int payloadLength) {
        int from = headerAt + IN_HEADER_SIZE + argSize;
        if (payloadLength < 0 || from + payloadLength > headerAt + length) {
            return null;
        }
        return buffer.memory().slice(from, payloadLength);
    }

    /** Room for the reply payload: fill it, then {@link #reply} with the length used. */
    ByteBuffer replyRoom(int capacity) {
        return buffer.data(Math.min(capacity, buffer.dataCapacity()));
    }

    /** Answers with the first {@code payloadLength} bytes of {@link #replyRoom}. */
    void reply(int payloadLength) {
        send(0, payloadLength);
    }

    /** Answers with an error: a real errno (1..511); anything else would read as success, so it becomes EIO. */
    void replyError(int errno) {
        send(errno > 0 && errno < 512 ? errno : Errno.EIO, 0);
    }

    /** FORGET and BATCH_FORGET get no answer; INTERRUPT neither. */
    void noReply() {
        end.replied(this);
    }

    /**
     * Writes the reply. One the kernel refuses as malformed (EINVAL) would leave its caller
     * waiting forever, so it is followed by a plain EIO answer, which can't be malformed.
     */
    private void send(int errno, int payloadLength) {
        int total = RequestBuffer.OUT_HEADER_SIZE + payloadLength;
        int refused = write(errno, total);
        if (refused != 0) {
            boolean fallBack = refused == Errno.EINVAL && (errno != Errno.EIO || payloadLength != 0);
            end.refused(this, refused, total, fallBack);
            if (fallBack) {
                write(Errno.EIO, RequestBuffer.OUT_HEADER_SIZE);
            }
        }
        end.replied(this);
    }

    private int write(int errno, int total) {
        ByteBuffer m = buffer.memory();
        int h = RequestBuffer.DATA_AT - RequestBuffer.OUT_HEADER_SIZE;
        m.putInt(h, total);
        m.putInt(h + 4, -errno);
        m.putLong(h + 8, unique);
        return channel.write(buffer.replyAddress(), total);
    }

    @Override
    public String toString() {
        return FuseOpcode.name(opcode) + " #" + unique + " (node " + nodeId + ", pid " + pid + ")";
    }
}
