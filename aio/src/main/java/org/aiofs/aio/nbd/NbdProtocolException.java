package org.aiofs.aio.nbd;

import org.aiofs.aio.nativeio.Errno;

/**
 * The server broke the protocol (bad magic, a reply for a request never sent, a chunk too long
 * or too short, data outside the request): the connection is closed and nothing it sent is used.
 */
final class NbdProtocolException extends NbdException {
    NbdProtocolException(String message) {
        super(message, Errno.EPROTO);
    }
}
