package org.aiofs.image.qcow2;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** Counts the writer's requests until their futures complete, so that closing can wait for them. */
final class RequestsInFlight {
    private int count;

    CompletableFuture<Void> track(Supplier<CompletableFuture<Void>> request) {
        synchronized (this) {
            count++;
        }
        CompletableFuture<Void> f;
        try {
            f = request.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.whenComplete((x, e) -> {
            synchronized (this) {
                if (--count == 0) {
                    notifyAll();
                }
            }
        });
    }

    synchronized void awaitNone(String image) throws IOException {
        while (count != 0) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(image + ": interrupted while waiting for requests in flight", e);
            }
        }
    }
}
