package org.aiofs.aio.engine;

import java.util.concurrent.Semaphore;

/**
 * A fixed set of slot numbers for requests in flight (the kernel's user_data): taken by
 * submitters, given back by the completion thread. Bounding the slots bounds the queue,
 * so the submission ring never overflows; slot state is preallocated by the engine.
 */
final class InFlightSlots {
    private final Semaphore available;
    private final int[] free;
    private int top;
    private final int count;

    InFlightSlots(int count) {
        this.count = count;
        this.available = new Semaphore(count);
        this.free = new int[count];
        for (int i = 0; i < count; i++) {
            free[i] = count - 1 - i;
        }
        this.top = count;
    }

    /** A free slot, or -1 when all are in flight. */
    int tryTake() {
        return available.tryAcquire() ? pop() : -1;
    }

    int take() throws InterruptedException {
        available.acquire();
        return pop();
    }

    void give(int slot) {
        synchronized (free) {
            free[top++] = slot;
        }
        available.release();
    }

    int inFlight() {
        return count - available.availablePermits();
    }

    /** Blocks until every slot is back, then keeps them all (nothing can be submitted again). */
    void drainAll() throws InterruptedException {
        available.acquire(count);
    }

    private int pop() {
        synchronized (free) {
            return free[--top];
        }
    }
}
