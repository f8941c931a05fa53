package org.aiofs.aio;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.aiofs.aio.nativeio.Errno;
import org.junit.jupiter.api.Test;

class FuturesTest {
    @Test
    void awaitAllWaitsForEveryFutureBeforeThrowingTheFirstFailure() throws Exception {
        HostIoException first = new HostIoException("first", Errno.EIO);
        HostIoException second = new HostIoException("second", Errno.EIO);
        CompletableFuture<Long> failsAtOnce = CompletableFuture.failedFuture(first);
        CompletableFuture<Long> late = new CompletableFuture<>();
        CompletableFuture<Long> failsLater = new CompletableFuture<>();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            timer.schedule(() -> failsLater.completeExceptionally(new CompletionException(second)), 100,
                    TimeUnit.MILLISECONDS);
            timer.schedule(() -> late.complete(1L), 200, TimeUnit.MILLISECONDS);
            IOException thrown = assertThrows(IOException.class,
                    () -> Futures.awaitAll(List.of(failsAtOnce, failsLater, late)));
            assertSame(first, thrown, "the first failure in order, unwrapped");
            assertTrue(late.isDone(), "awaitAll returned while a request was still in flight");
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void awaitAllReturnsWhenAllSucceed() throws Exception {
        Futures.awaitAll(List.of(CompletableFuture.completedFuture(1L), CompletableFuture.completedFuture(2L)));
    }
}
