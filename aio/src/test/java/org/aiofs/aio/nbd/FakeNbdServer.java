package org.aiofs.aio.nbd;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small NBD server in Java whose replies a test scripts: it negotiates like a real server
 * (fixed newstyle, structured replies, base:allocation as context 1, NBD_OPT_GO) and serves an
 * in-memory disk honestly, except on the connections where the test's {@link Replier} lies.
 */
final class FakeNbdServer implements AutoCloseable {
    static final int CONTEXT = 1;

    /** One transmission request as the client sent it. */
    record Request(int flags, int type, long handle, long offset, int length, byte[] payload) {
    }

    /** Answers one request on connection number {@code connection} (0 first); may lie. */
    interface Replier {
        void reply(int connection, Request r, Replies out) throws IOException;
    }

    private final ServerSocket listener;
    private final byte[] disk;
    private final Replier replier;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> open = new ArrayList<>();
    private final Thread acceptor;

    FakeNbdServer(int size, Replier replier) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.disk = new byte[size];
        new java.util.Random(3).nextBytes(disk);
        this.replier = replier;
        this.acceptor = new Thread(this::accept, "fake-nbd-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String uri() {
        return "nbd://127.0.0.1:" + listener.getLocalPort() + "/disk";
    }

    byte[] disk() {
        return disk;
    }

    int connections() {
        return connections.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                synchronized (open) {
                    open.add(s);
                }
                int number = connections.getAndIncrement();
                Thread t = new Thread(() -> serve(s, number), "fake-nbd-" + number);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s, int connection) {
        try (s; DataInputStream in = new DataInputStream(s.getInputStream());
             DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
            out.writeLong(NbdProtocol.NBDMAGIC);
            out.writeLong(NbdProtocol.IHAVEOPT);
            out.writeShort(NbdProtocol.FLAG_FIXED_NEWSTYLE | NbdProtocol.FLAG_NO_ZEROES);
            out.flush();
            in.readInt();
            if (!negotiate(in, out)) {
                return;
            }
            Replies replies = new Replies(out, disk);
            while (true) {
                if (in.readInt() != NbdProtocol.REQUEST_MAGIC) {
                    return;
                }
                int flags = in.readUnsignedShort();
                int type = in.readUnsignedShort();
                long handle = in.readLong();
                long offset = in.readLong();
                int length = in.readInt();
                byte[] payload = null;
                if (type == NbdProtocol.CMD_WRITE) {
                    payload = new byte[length];
                    in.readFully(payload);
                }
                if (type == NbdProtocol.CMD_DISC) {
                    return;
                }
                synchronized (out) {
                    replier.reply(connection, new Request(flags, type, handle, offset, length, payload), replies);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // the client went away, or the test closed us
        }
    }

    private boolean negotiate(DataInputStream in, DataOutputStream out) throws IOException {
        while (true) {
            if (in.readLong() != NbdProtocol.IHAVEOPT) {
                return false;
            }
            int option = in.readInt();
            byte[] data = new byte[in.readInt()];
            in.readFully(data);
            switch (option) {
                case NbdProtocol.OPT_STRUCTURED_REPLY -> optionReply(out, option, NbdProtocol.REP_ACK, new byte[0]);
                case NbdProtocol.OPT_SET_META_CONTEXT -> {
                    byte[] name = NbdProtocol.CONTEXT_ALLOCATION.getBytes(StandardCharsets.US_ASCII);
                    byte[] reply = java.nio.ByteBuffer.allocate(4 + name.length).putInt(CONTEXT).put(name).array();
                    optionReply(out, option, NbdProtocol.REP_META_CONTEXT, reply);
                    optionReply(out, option, NbdProtocol.REP_ACK, new byte[0]);
                }
                case NbdProtocol.OPT_GO -> {
                    int flags = NbdProtocol.FLAG_HAS_FLAGS | NbdProtocol.FLAG_SEND_FLUSH
                            | NbdProtocol.FLAG_SEND_WRITE_ZEROES;
                    byte[] info = java.nio.ByteBuffer.allocate(12).putShort((short) NbdProtocol.INFO_EXPORT)
                            .putLong(disk.length).putShort((short) flags).array();
                    optionReply(out, option, NbdProtocol.REP_INFO, info);
                    optionReply(out, option, NbdProtocol.REP_ACK, new byte[0]);
                    return true;
                }
                default -> optionReply(out, option, NbdProtocol.REP_ERR_UNSUP, new byte[0]);
            }
        }
    }

    private static void optionReply(DataOutputStream out, int option, int type, byte[] data) throws IOException {
        out.writeLong(NbdProtocol.OPTION_REPLY_MAGIC);
        out.writeInt(option);
        out.writeInt(type);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    @Override
    public void close() {
        try {
            listener.close();
            synchronized (open) {
                for (Socket s : open) {
                    s.close();
                }
            }
            acceptor.join(5000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reply messages, honest ones and the raw pieces lies are made of. */
    static final class Replies {
        private final DataOutputStream out;
        private final byte[] disk;

        Replies(DataOutputStream out, byte[] disk) {
            this.out = out;
            this.disk = disk;
        }

        /** What an honest server answers. */
        void honest(Request r) throws IOException {
            switch (r.type()) {
                case NbdProtocol.CMD_READ -> {
                    data(r.handle(), r.offset(), slice(r.offset(), r.length()), true);
                }
                case NbdProtocol.CMD_WRITE -> {
                    System.arraycopy(r.payload(), 0, disk, (int) r.offset(), r.length());
                    simple(r.handle(), 0);
                }
                case NbdProtocol.CMD_WRITE_ZEROES -> {
                    java.util.Arrays.fill(disk, (int) r.offset(), (int) (r.offset() + r.length()), (byte) 0);
                    simple(r.handle(), 0);
                }
                case NbdProtocol.CMD_BLOCK_STATUS -> {
                    chunk(NbdProtocol.REPLY_FLAG_DONE, NbdProtocol.REPLY_TYPE_BLOCK_STATUS, r.handle(),
                            java.nio.ByteBuffer.allocate(12).putInt(CONTEXT).putInt(r.length()).putInt(0).array());
                }
                default -> simple(r.handle(), 0);
            }
        }

        byte[] slice(long offset, int length) {
            return java.util.Arrays.copyOfRange(disk, (int) offset, (int) offset + length);
        }

        void simple(long handle, int error) throws IOException {
            out.writeInt(NbdProtocol.SIMPLE_REPLY_MAGIC);
            out.writeInt(error);
            out.writeLong(handle);
        }

        void data(long handle, long offset, byte[] bytes, boolean done) throws IOException {
            chunk(done ? NbdProtocol.REPLY_FLAG_DONE : 0, NbdProtocol.REPLY_TYPE_OFFSET_DATA, handle,
                    java.nio.ByteBuffer.allocate(8 + bytes.length).putLong(offset).put(bytes).array());
        }

        void none(long handle) throws IOException {
            chunk(NbdProtocol.REPLY_FLAG_DONE, NbdProtocol.REPLY_TYPE_NONE, handle, new byte[0]);
        }

        void chunk(int flags, int type, long handle, byte[] payload) throws IOException {
            header(flags, type, handle, payload.length);
            out.write(payload);
        }

        /** A structured chunk header claiming {@code length} bytes, whatever follows. */
        void header(int flags, int type, long handle, long length) throws IOException {
            out.writeInt(NbdProtocol.STRUCTURED_REPLY_MAGIC);
            out.writeShort(flags);
            out.writeShort(type);
            out.writeLong(handle);
            out.writeInt((int) length);
        }

        void raw(byte[] bytes) throws IOException {
            out.write(bytes);
        }
    }
}
