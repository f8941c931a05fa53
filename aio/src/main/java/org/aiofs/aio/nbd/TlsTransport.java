package org.aiofs.aio.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

import javax.net.ssl.SSLSocket;

/** A TLS session (the JDK's SSLSocket) over a TCP connection; bytes pass through a small array. */
final class TlsTransport implements NbdTransport {
    private static final int CHUNK = 64 << 10;

    private final SSLSocket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String description;
    private final byte[] readChunk = new byte[CHUNK];
    private final byte[] writeChunk = new byte[CHUNK];

    TlsTransport(SSLSocket socket, String description) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.description = description;
    }

    @Override
    public void readFully(ByteBuffer... buffers) throws IOException {
        for (ByteBuffer b : buffers) {
            while (b.hasRemaining()) {
                int n = in.read(readChunk, 0, Math.min(CHUNK, b.remaining()));
                if (n < 0) {
                    throw new EOFException("the server closed the connection");
                }
                b.put(readChunk, 0, n);
            }
        }
    }

    @Override
    public void write(ByteBuffer... buffers) throws IOException {
        for (ByteBuffer b : buffers) {
            while (b.hasRemaining()) {
                int n = Math.min(CHUNK, b.remaining());
                b.get(writeChunk, 0, n);
                out.write(writeChunk, 0, n);
            }
        }
        out.flush();
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing a broken session: nothing left to release
        }
    }
}
