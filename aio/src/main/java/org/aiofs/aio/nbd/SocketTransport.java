package org.aiofs.aio.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A plain connection through a blocking SocketChannel: scattering reads straight into the
 * caller's buffers and gathering writes of header and payload in one call.
 */
final class SocketTransport implements NbdTransport {
    private final SocketChannel channel;
    private final String description;

    private SocketTransport(SocketChannel channel, String description) {
        this.channel = channel;
        this.description = description;
    }

    /** Connects to the URI's host and port, or its Unix socket. */
    static SocketTransport connect(NbdUri uri, int timeoutMillis) throws IOException {
        if (uri.unix()) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(uri.socket()));
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            return new SocketTransport(ch, "Unix socket " + uri.socket());
        }
        SocketChannel ch = SocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true); // requests are small: never wait to coalesce
            ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            ch.socket().connect(new InetSocketAddress(uri.host(), uri.port()), timeoutMillis);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return new SocketTransport(ch, "TCP " + uri.endpoint());
    }

    /** The TCP socket under this channel, for TLS to wrap (a Unix channel has none). */
    Socket socket() {
        return channel.socket();
    }

    @Override
    public void readFully(ByteBuffer... buffers) throws IOException {
        long wanted = 0;
        for (ByteBuffer b : buffers) {
            wanted += b.remaining();
        }
        long got = 0;
        while (got < wanted) {
            long n = buffers.length == 1 ? channel.read(buffers[0]) : channel.read(buffers);
            if (n < 0) {
                throw new EOFException("the server closed the connection");
            }
            got += n;
        }
    }

    @Override
    public void write(ByteBuffer... buffers) throws IOException {
        long left = 0;
        for (ByteBuffer b : buffers) {
            left += b.remaining();
        }
        while (left > 0) {
            left -= buffers.length == 1 ? channel.write(buffers[0]) : channel.write(buffers);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing a socket that is already broken: nothing left to release
        }
    }
}
