package org.aiofs.aio.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLException;

import org.aiofs.aio.nativeio.Errno;

/**
 * The fixed newstyle handshake, from the server's greeting to the transmission phase:
 * STARTTLS (first when the URI asks for TLS, or when the server answers an option with
 * "TLS required"), structured replies, the base:allocation metadata context, then NBD_OPT_GO
 * asking for block sizes (NBD_OPT_EXPORT_NAME for servers without GO). Every refusal becomes one
 * line naming the export and what the server said.
 */
final class NbdHandshake {
    /** Option replies we ask for are small: a name, a message, a few numbers. */
    private static final int MAX_OPTION_REPLY = 16 << 10;

    private final NbdUri uri;
    private NbdTransport transport;
    private SocketTransport plain;
    private boolean noZeroes;
    private boolean tls;

    /** The negotiated session: the transport (upgraded when TLS was started) and the export. */
    record Session(NbdTransport transport, NbdExportInfo export) {
    }

    private record OptionReply(int type, ByteBuffer data) {
        boolean error() {
            return (type & NbdProtocol.REP_FLAG_ERROR) != 0;
        }
    }

    /** Thrown inside negotiation when the server wants TLS before it answers. */
    private static final class TlsRequired extends Exception {
        TlsRequired() {
            super(null, null, false, false);
        }
    }

    private NbdHandshake(SocketTransport plain, NbdUri uri) {
        this.plain = plain;
        this.transport = plain;
        this.uri = uri;
    }

    /** Negotiates on a fresh connection; on failure the connection is the caller's to close. */
    static Session negotiate(SocketTransport plain, NbdUri uri) throws IOException {
        return new NbdHandshake(plain, uri).run();
    }

    private Session run() throws IOException {
        greeting();
        if (uri.tls()) {
            startTls();
        }
        while (true) {
            try {
                return options();
            } catch (EOFException e) {
                if (!tls) {
                    throw e;
                }
                throw new NbdException(uri + ": the server ended the TLS session during the handshake; it may want"
                        + " a client certificate (tls-certificates=DIR holding client-cert.pem and client-key.pem)",
                        Errno.EACCES, e);
            } catch (TlsRequired e) {
                if (tls) {
                    throw new NbdProtocolException(uri + ": the server asked for TLS inside a TLS session");
                }
                startTls();
            }
        }
    }

    private void greeting() throws IOException {
        ByteBuffer hello = read(18);
        long magic = hello.getLong(0);
        long second = hello.getLong(8);
        if (magic != NbdProtocol.NBDMAGIC) {
            throw new NbdException(uri + ": " + transport.describe() + " is not an NBD server (greeting 0x"
                    + Long.toHexString(magic) + ")", Errno.EPROTO);
        }
        if (second == NbdProtocol.OLDSTYLE_MAGIC) {
            throw new NbdException(uri + ": the server speaks the oldstyle handshake, which has no export"
                    + " names; aiofs needs fixed newstyle", Errno.EPROTO);
        }
        if (second != NbdProtocol.IHAVEOPT) {
            throw new NbdException(uri + ": not an NBD newstyle greeting (0x" + Long.toHexString(second) + ")",
                    Errno.EPROTO);
        }
        int flags = Short.toUnsignedInt(hello.getShort(16));
        if ((flags & NbdProtocol.FLAG_FIXED_NEWSTYLE) == 0) {
            throw new NbdException(uri + ": the server lacks fixed newstyle negotiation", Errno.EPROTO);
        }
        noZeroes = (flags & NbdProtocol.FLAG_NO_ZEROES) != 0;
        int clientFlags = NbdProtocol.FLAG_C_FIXED_NEWSTYLE | (noZeroes ? NbdProtocol.FLAG_C_NO_ZEROES : 0);
        transport.write(ByteBuffer.allocate(4).putInt(0, clientFlags));
    }

    private void startTls() throws IOException {
        if (uri.unix()) {
            throw new NbdException(uri + ": the server " + (uri.tls() ? "is asked for" : "requires")
                    + " TLS, which aiofs speaks over TCP only (Java's TLS socket needs one)", Errno.EACCES);
        }
        OptionReply reply = option(NbdProtocol.OPT_STARTTLS, ByteBuffer.allocate(0));
        if (reply.type() != NbdProtocol.REP_ACK) {
            throw new NbdException(uri + ": the server does not offer TLS (" + describe(reply) + ")"
                    + (uri.tls() ? "; use nbd:// for a plain connection" : ""), Errno.EACCES);
        }
        try {
            transport = NbdTls.upgrade(plain, uri);
        } catch (SSLException e) {
            throw new NbdException(uri + ": TLS handshake with " + uri.endpoint() + " failed: " + e.getMessage()
                    + (uri.tlsCertificates() == null ? " (give the server's CA with tls-certificates=DIR"
                    + " holding ca-cert.pem, or tls-verify-peer=0)" : ""), Errno.EACCES, e);
        }
        plain = null;
        tls = true;
    }

    private Session options() throws IOException, TlsRequired {
        OptionReply structured = option(NbdProtocol.OPT_STRUCTURED_REPLY, ByteBuffer.allocate(0));
        tlsRequired(structured);
        boolean structuredReplies = structured.type() == NbdProtocol.REP_ACK;
        int context = structuredReplies ? allocationContext() : -1;
        return go(structuredReplies, context);
    }

    /** Selects base:allocation; -1 when the server has no such context. */
    private int allocationContext() throws IOException, TlsRequired {
        byte[] name = uri.export().getBytes(StandardCharsets.UTF_8);
        byte[] query = NbdProtocol.CONTEXT_ALLOCATION.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer data = ByteBuffer.allocate(4 + name.length + 4 + 4 + query.length);
        data.putInt(name.length).put(name).putInt(1).putInt(query.length).put(query).flip();
        send(NbdProtocol.OPT_SET_META_CONTEXT, data);
        int id = -1;
        while (true) {
            OptionReply reply = reply(NbdProtocol.OPT_SET_META_CONTEXT);
            tlsRequired(reply);
            if (reply.type() == NbdProtocol.REP_META_CONTEXT) {
                if (reply.data().remaining() < 4) {
                    throw new NbdProtocolException(uri + ": NBD_REP_META_CONTEXT of " + reply.data().remaining()
                            + " bytes");
                }
                int contextId = reply.data().getInt();
                if (string(reply.data()).equals(NbdProtocol.CONTEXT_ALLOCATION)) {
                    id = contextId;
                }
            } else {
                return reply.type() == NbdProtocol.REP_ACK ? id : -1;
            }
        }
    }

    private Session go(boolean structuredReplies, int context) throws IOException, TlsRequired {
        byte[] name = uri.export().getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate(4 + name.length + 2 + 2);
        data.putInt(name.length).put(name).putShort((short) 1).putShort((short) NbdProtocol.INFO_BLOCK_SIZE).flip();
        send(NbdProtocol.OPT_GO, data);
        long size = -1;
        int flags = 0;
        int minimum = 1;
        int preferred = 4096;
        int maximum = NbdProtocol.MAX_PAYLOAD;
        while (true) {
            OptionReply reply = reply(NbdProtocol.OPT_GO);
            tlsRequired(reply);
            if (reply.type() == NbdProtocol.REP_INFO) {
                ByteBuffer info = reply.data();
                if (info.remaining() < 2) {
                    throw new NbdProtocolException(uri + ": NBD_REP_INFO of " + info.remaining() + " bytes");
                }
                int type = Short.toUnsignedInt(info.getShort());
                if (type == NbdProtocol.INFO_EXPORT) {
                    expectLength(info, 10, "NBD_INFO_EXPORT");
                    size = info.getLong();
                    flags = Short.toUnsignedInt(info.getShort());
                } else if (type == NbdProtocol.INFO_BLOCK_SIZE) {
                    expectLength(info, 12, "NBD_INFO_BLOCK_SIZE");
                    minimum = info.getInt();
                    preferred = info.getInt();
                    maximum = info.getInt();
                }
                continue; // other information is ignored, as the spec asks
            }
            if (reply.type() == NbdProtocol.REP_ACK) {
                if (size < 0) {
                    throw new NbdProtocolException(uri + ": NBD_OPT_GO succeeded without NBD_INFO_EXPORT");
                }
                return session(size, flags, minimum, preferred, maximum, structuredReplies, context);
            }
            if (reply.type() == NbdProtocol.REP_ERR_UNSUP) {
                return exportName(structuredReplies, context);
            }
            throw refusal(reply);
        }
    }

    /** NBD_OPT_EXPORT_NAME, for servers without NBD_OPT_GO: no error reply, the server just hangs up. */
    private Session exportName(boolean structuredReplies, int context) throws IOException {
        send(NbdProtocol.OPT_EXPORT_NAME, ByteBuffer.wrap(uri.export().getBytes(StandardCharsets.UTF_8)));
        ByteBuffer reply;
        try {
            reply = read(noZeroes ? 10 : 134);
        } catch (EOFException e) {
            throw new NbdException(uri + ": the server closed the connection on export '" + uri.export()
                    + "' (no such export, or it needs TLS)", Errno.ENOENT);
        }
        return session(reply.getLong(0), Short.toUnsignedInt(reply.getShort(8)), 1, 4096, NbdProtocol.MAX_PAYLOAD,
                structuredReplies, context);
    }

    private Session session(long size, int flags, int minimum, int preferred, int maximum, boolean structured,
                            int context) throws IOException {
        if (size < 0) {
            throw new NbdProtocolException(uri + ": export size " + Long.toUnsignedString(size) + " is too large");
        }
        if (Integer.bitCount(minimum) != 1 || minimum > 65536 || Integer.bitCount(preferred) != 1
                || preferred < Math.max(minimum, 512) || Integer.compareUnsigned(maximum, preferred) < 0) {
            throw new NbdProtocolException(uri + ": block sizes minimum " + minimum + ", preferred " + preferred
                    + ", maximum " + Integer.toUnsignedString(maximum) + " break the protocol's rules");
        }
        int payload = Integer.compareUnsigned(maximum, NbdProtocol.MAX_PAYLOAD) > 0 ? NbdProtocol.MAX_PAYLOAD
                : maximum;
        payload -= payload % minimum;
        return new Session(transport, new NbdExportInfo(uri.export(), size, flags, minimum, preferred, payload,
                structured, context, tls));
    }

    private NbdException refusal(OptionReply reply) {
        String what = describe(reply);
        return switch (reply.type()) {
            case NbdProtocol.REP_ERR_UNKNOWN -> new NbdException(uri + ": the server has no export '" + uri.export()
                    + "' (" + what + ")", Errno.ENOENT);
            case NbdProtocol.REP_ERR_POLICY -> new NbdException(uri + ": the server refuses export '" + uri.export()
                    + "' (" + what + ")", Errno.EACCES);
            case NbdProtocol.REP_ERR_SHUTDOWN -> new NbdException(uri + ": the server is shutting down (" + what
                    + ")", NbdProtocol.ESHUTDOWN);
            default -> new NbdException(uri + ": the server refused NBD_OPT_GO (" + what + ")", Errno.EIO);
        };
    }

    private static void tlsRequired(OptionReply reply) throws TlsRequired {
        if (reply.type() == NbdProtocol.REP_ERR_TLS_REQD) {
            throw new TlsRequired();
        }
    }

    private void expectLength(ByteBuffer info, int length, String what) throws NbdProtocolException {
        if (info.remaining() != length) {
            throw new NbdProtocolException(uri + ": " + what + " of " + (info.remaining() + 2) + " bytes, not "
                    + (length + 2));
        }
    }

    private OptionReply option(int option, ByteBuffer data) throws IOException {
        send(option, data);
        return reply(option);
    }

    private void send(int option, ByteBuffer data) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(16).putLong(NbdProtocol.IHAVEOPT).putInt(option)
                .putInt(data.remaining()).flip();
        transport.write(header, data);
    }

    private OptionReply reply(int option) throws IOException {
        ByteBuffer header = read(20);
        long magic = header.getLong(0);
        int echoed = header.getInt(8);
        int type = header.getInt(12);
        int length = header.getInt(16);
        if (magic != NbdProtocol.OPTION_REPLY_MAGIC) {
            throw new NbdProtocolException(uri + ": bad option reply magic 0x" + Long.toHexString(magic));
        }
        if (echoed != option) {
            throw new NbdProtocolException(uri + ": a reply to " + NbdProtocol.optionName(echoed) + " while "
                    + NbdProtocol.optionName(option) + " was asked");
        }
        if (length < 0 || length > MAX_OPTION_REPLY) {
            throw new NbdProtocolException(uri + ": option reply of " + Integer.toUnsignedString(length)
                    + " bytes (at most " + MAX_OPTION_REPLY + " expected)");
        }
        return new OptionReply(type, read(length));
    }

    private ByteBuffer read(int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        transport.readFully(b);
        return b.flip();
    }

    private static String describe(OptionReply reply) {
        String name = switch (reply.type()) {
            case NbdProtocol.REP_ERR_UNSUP -> "NBD_REP_ERR_UNSUP";
            case NbdProtocol.REP_ERR_POLICY -> "NBD_REP_ERR_POLICY";
            case NbdProtocol.REP_ERR_INVALID -> "NBD_REP_ERR_INVALID";
            case NbdProtocol.REP_ERR_PLATFORM -> "NBD_REP_ERR_PLATFORM";
            case NbdProtocol.REP_ERR_TLS_REQD -> "NBD_REP_ERR_TLS_REQD";
            case NbdProtocol.REP_ERR_UNKNOWN -> "NBD_REP_ERR_UNKNOWN";
            case NbdProtocol.REP_ERR_SHUTDOWN -> "NBD_REP_ERR_SHUTDOWN";
            case NbdProtocol.REP_ERR_BLOCK_SIZE_REQD -> "NBD_REP_ERR_BLOCK_SIZE_REQD";
            case NbdProtocol.REP_ERR_TOO_BIG -> "NBD_REP_ERR_TOO_BIG";
            default -> "reply type 0x" + Integer.toHexString(reply.type());
        };
        String message = reply.error() ? string(reply.data().duplicate()) : "";
        return message.isEmpty() ? name : name + ": " + message;
    }

    /** The rest of the buffer as UTF-8, control characters made harmless for a log line. */
    private static String string(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?");
    }
}
