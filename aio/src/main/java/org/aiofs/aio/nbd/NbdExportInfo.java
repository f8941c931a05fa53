package org.aiofs.aio.nbd;

/**
 * What the handshake learnt about an export: its size, transmission flags, block size
 * constraints (the spec's defaults when the server gave none) and the negotiated extensions.
 *
 * @param allocationContext the id of base:allocation for BLOCK_STATUS, or -1 when not negotiated
 * @param tls               whether the session runs over TLS
 */
record NbdExportInfo(String name, long size, int flags, int minimumBlock, int preferredBlock, int maximumPayload,
                     boolean structuredReplies, int allocationContext, boolean tls) {

    boolean readOnly() {
        return (flags & NbdProtocol.FLAG_READ_ONLY) != 0;
    }

    boolean canFlush() {
        return (flags & NbdProtocol.FLAG_SEND_FLUSH) != 0;
    }

    boolean canFua() {
        return (flags & NbdProtocol.FLAG_SEND_FUA) != 0;
    }

    boolean canTrim() {
        return (flags & NbdProtocol.FLAG_SEND_TRIM) != 0;
    }

    boolean canWriteZeroes() {
        return (flags & NbdProtocol.FLAG_SEND_WRITE_ZEROES) != 0;
    }

    boolean canMultiConn() {
        return (flags & NbdProtocol.FLAG_CAN_MULTI_CONN) != 0;
    }

    boolean blockStatus() {
        return allocationContext >= 0;
    }

    /** The flags a user reads in `aiofs info` and the log. */
    String describe() {
        StringBuilder b = new StringBuilder(size + " bytes");
        b.append(readOnly() ? ", read-only" : ", writable");
        if (canFlush()) {
            b.append(", flush");
        }
        if (canFua()) {
            b.append(", fua");
        }
        if (canTrim()) {
            b.append(", trim");
        }
        if (canWriteZeroes()) {
            b.append(", write-zeroes");
        }
        if (canMultiConn()) {
            b.append(", multi-conn");
        }
        b.append(structuredReplies ? ", structured replies" : ", simple replies");
        if (blockStatus()) {
            b.append(", base:allocation");
        }
        b.append(", blocks ").append(minimumBlock).append('/').append(preferredBlock).append('/')
                .append(maximumPayload);
        if (tls) {
            b.append(", TLS");
        }
        return b.toString();
    }
}
