package org.aiofs.fs.mount;

/** A mount or unmount that can't go ahead; the message is the one line the user sees. */
public class MountException extends Exception {
    public MountException(String message) {
        super(message);
    }

    public MountException(String message, Throwable cause) {
        super(message, cause);
    }
}
