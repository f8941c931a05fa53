package org.aiofs.fs;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.aiofs.aio.HostIoException;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.ImageException;

/** Turns whatever failed below the filesystem into the errno value the kernel should see. */
public final class ErrnoMapping {
    private ErrnoMapping() {
    }

    public static int errnoOf(Throwable t) {
        t = unwrap(t);
        if (t instanceof FsException fs) {
            return fs.errno();
        }
        if (t instanceof ImageException image) {
            return image.errno();
        }
        if (t instanceof HostIoException host) {
            return host.errno();
        }
        if (t instanceof OutOfMemoryError) {
            return Errno.ENOMEM;
        }
        return Errno.EIO;
    }

    /** The failure itself, under the CompletionException/ExecutionException that futures wrap it in. */
    public static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
