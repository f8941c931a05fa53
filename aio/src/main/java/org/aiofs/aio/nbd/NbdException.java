package org.aiofs.aio.nbd;

import org.aiofs.aio.HostIoException;

/**
 * An NBD failure with one line for the user: which export, what went wrong, and the errno the
 * FUSE edge answers with (ECONNREFUSED, ENOENT for a missing export, EACCES for TLS, EPROTO
 * when the server broke the protocol, or the error the server sent).
 */
public class NbdException extends HostIoException {
    public NbdException(String message, int errno) {
        super(message, errno);
    }

    public NbdException(String message, int errno, Throwable cause) {
        super(message, errno);
        initCause(cause);
    }
}
