package org.aiofs.aio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Waiting for futures and getting the I/O error that failed them, not a wrapper around it.
 * The one home of these helpers: aio, image-formats and fs wait through them.
 */
public final class Futures {
    private Futures() {
    }

    public static <T> T await(CompletableFuture<T> future) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for I/O", e);
        } catch (ExecutionException e) {
            throw asIoException(e.getCause());
        }
    }

    /**
     * Waits for every future, even after one has failed, so that no request still uses its
     * buffers when this returns; then throws the first failure in the collection's order, if any.
     */
    public static void awaitAll(Collection<? extends CompletableFuture<?>> futures) throws IOException {
        Exception first = null;
        for (CompletableFuture<?> f : futures) {
            try {
                await(f);
            } catch (IOException | RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first instanceof IOException io) {
            throw io;
        }
        if (first != null) {
            throw (RuntimeException) first;
        }
    }

    /** The I/O error behind a failure, unwrapping CompletionException and friends. */
    public static IOException asIoException(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException
                || t instanceof UncheckedIOException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof IOException io) {
            return io;
        }
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return new IOException(t);
    }
}
