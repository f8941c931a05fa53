package org.aiofs.aio.nbd;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A byte stream to an NBD server: plain (TCP or Unix socket) or TLS. One thread reads while
 * others write (each write whole, under the caller's lock); closing unblocks a blocked read.
 */
interface NbdTransport extends Closeable {

    /** Fills the buffers from position to limit; EOFException if the server closes first. */
    void readFully(ByteBuffer... buffers) throws IOException;

    /** Writes every byte of the buffers, in order. */
    void write(ByteBuffer... buffers) throws IOException;

    /** What the stream is, for messages: "TCP host:port", "TLS over TCP host:port", "Unix socket PATH". */
    String describe();

    /** Idempotent; never throws. */
    @Override
    void close();
}
