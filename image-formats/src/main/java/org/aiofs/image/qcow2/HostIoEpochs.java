package org.aiofs.image.qcow2;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps a freed host cluster from being handed out again while a request that looked up
 * the old mapping may still read or write it. Every request that touches host clusters
 * runs inside an epoch ({@link #enter} before its lookup, {@link #exit} once its I/O is
 * over); before freed clusters become allocatable, {@link #awaitOlderRequests} opens a
 * new epoch and waits until the requests of the old one are done. Requests never wait
 * here, and the wait does not hold the metadata lock.
 */
final class HostIoEpochs {
    private volatile int epoch;
    private final AtomicInteger[] active = {new AtomicInteger(), new AtomicInteger()};
    private volatile boolean waiting;

    /** Called before a request looks anything up; returns its ticket for {@link #exit}. */
    int enter() {
        while (true) {
            int e = epoch;
            active[e & 1].incrementAndGet();
            if (epoch == e) {
                return e;
            }
            exit(e); // an epoch opened meanwhile: join the new one instead
        }
    }

    void exit(int ticket) {
        if (active[ticket & 1].decrementAndGet() == 0 && waiting) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /**
     * Every request that entered before this call has exited when it returns. One caller at
     * a time (the commit); the previous call's epoch is already drained, so two counters do.
     */
    void awaitOlderRequests() throws InterruptedException {
        int old = epoch;
        epoch = old + 1;
        AtomicInteger count = active[old & 1];
        synchronized (this) {
            waiting = true;
            try {
                while (count.get() != 0) {
                    wait();
                }
            } finally {
                waiting = false;
            }
        }
    }
}
