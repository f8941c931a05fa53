package org.aiofs.aio.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.aiofs.aio.BufferPool;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.engine.CacheMode;
import org.aiofs.aio.engine.DirectIoProbe;
import org.aiofs.aio.engine.Engines;
import org.aiofs.aio.engine.ProbeResult;

/**
 * Runs one workload on one engine for a fixed time, keeping {@code queueDepth} requests
 * in flight, and measures IOPS, throughput, completion latency and process CPU per I/O.
 * Unsupported engine/cache combinations come back as results carrying the probe's reason.
 */
public final class BenchRunner {
    private static final int MAX_SAMPLES = 4_000_000;

    private BenchRunner() {
    }

    public static BenchResult run(String engineName, Workload workload, CacheMode cache, java.nio.file.Path target,
                                  double seconds) throws IOException {
        if (cache.direct()) {
            ProbeResult direct = DirectIoProbe.probe(target);
            if (!direct.supported()) {
                return BenchResult.unsupported(engineName, workload.name(), cache.label(), direct.reason());
            }
        }
        try (HostFile file = HostFile.open(target, !workload.write(), cache.direct())) {
            ProbeResult probe = Engines.probe(engineName, file);
            if (!probe.supported()) {
                return BenchResult.unsupported(engineName, workload.name(), cache.label(), probe.reason());
            }
            if (workload.blockSize() % file.alignment() != 0) {
                return BenchResult.unsupported(engineName, workload.name(), cache.label(),
                        "block size " + workload.blockSize() + " is not a multiple of the O_DIRECT alignment "
                                + file.alignment());
            }
            long size = file.size();
            long blocks = size / workload.blockSize();
            if (blocks < 1) {
                throw new IOException(target + ": smaller than one block of " + workload.blockSize());
            }
            try (IoEngine engine = Engines.create(engineName)) {
                return measure(engine.name(), engine, file, workload, cache.label(), blocks, seconds);
            }
        }
    }

    /**
     * One workload on a file that brings its own engine (an NBD export), reported as {@code label}.
     * The file stays open; the engine is not closed.
     */
    public static BenchResult runOn(String label, HostFile file, Workload workload, String cacheLabel, double seconds)
            throws IOException {
        long blocks = file.size() / workload.blockSize();
        if (blocks < 1) {
            throw new IOException(file.name() + ": smaller than one block of " + workload.blockSize());
        }
        return measure(label, file.remote().engine(), file, workload, cacheLabel, blocks, seconds);
    }

    private static BenchResult measure(String label, IoEngine engine, HostFile file, Workload w, String cache,
                                       long blocks, double seconds) throws IOException {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        // A warm-up (a quarter of the run, at most 1 s) lets the JIT compile the I/O path first;
        // only requests issued after it count.
        long warmUp = (long) (Math.min(1.0, seconds / 4) * 1e9);
        long start = System.nanoTime() + warmUp;
        QueueDriver driver = new QueueDriver(engine, file, w, blocks, start, start + (long) (seconds * 1e9));
        long cpuStart;
        try {
            cpuStart = driver.run(os);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("benchmark interrupted", e);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long cpu = os.getProcessCpuTime() - cpuStart;
        if (driver.failure.get() != null) {
            Throwable f = driver.failure.get();
            throw new IOException(label + " " + w.name() + ": " + f.getMessage(), f);
        }
        long ios = driver.completed.get();
        long[] sorted = driver.latencies.sorted();
        double iops = ios / elapsed;
        return new BenchResult(label, w.name(), cache, true, "", ios, elapsed, iops,
                iops * w.blockSize() / (1 << 20), driver.latencies.percentileMicros(50, sorted),
                driver.latencies.percentileMicros(99, sorted), ios == 0 ? 0 : cpu / 1000.0 / ios);
    }

    /**
     * Keeps queueDepth requests in flight, as fio does: a completion arriving on an engine
     * thread resubmits its slot at once from that thread (no hand-off); completions on the
     * driver's own thread (sync engine, page-cache hits reaped inline) return the slot to
     * the driver, which resubmits every free slot as one batch.
     */
    private static final class QueueDriver {
        final LatencyRecorder latencies = new LatencyRecorder(MAX_SAMPLES);
        final AtomicLong completed = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final IoEngine engine;
        private final HostFile file;
        private final Workload w;
        private final long blocks;
        private final long start;
        private final long deadline;
        private final ByteBuffer[] buffers;
        private final BlockingQueue<Integer> free;
        private final AtomicLong sequential = new AtomicLong();
        private static final ThreadLocal<int[]> NESTING = ThreadLocal.withInitial(() -> new int[1]);
        private volatile Thread driverThread;

        QueueDriver(IoEngine engine, HostFile file, Workload w, long blocks, long start, long deadline) {
            this.engine = engine;
            this.file = file;
            this.w = w;
            this.blocks = blocks;
            this.start = start;
            this.deadline = deadline;
            int depth = w.queueDepth();
            this.buffers = new ByteBuffer[depth];
            this.free = new ArrayBlockingQueue<>(depth);
            for (int i = 0; i < depth; i++) {
                buffers[i] = BufferPool.allocate(w.blockSize(), 4096);
                byte[] data = new byte[w.blockSize()];
                ThreadLocalRandom.current().nextBytes(data);
                buffers[i].put(data).flip();
                free.add(i);
            }
        }

        /** Runs until the deadline and everything in flight is back; returns the process CPU time at start. */
        long run(com.sun.management.OperatingSystemMXBean os) throws InterruptedException {
            driverThread = Thread.currentThread();
            long cpuStart = -1;
            List<Integer> ready = new ArrayList<>(buffers.length);
            while (failure.get() == null) {
                long now = System.nanoTime();
                if (cpuStart < 0 && now >= start) {
                    cpuStart = os.getProcessCpuTime();
                }
                if (now >= deadline) {
                    break;
                }
                long wait = (cpuStart < 0 ? start : deadline) - now;
                Integer first = free.poll(wait, TimeUnit.NANOSECONDS);
                if (first == null) {
                    continue;
                }
                ready.clear();
                ready.add(first);
                free.drainTo(ready);
                issue(ready);
            }
            for (int i = 0; i < buffers.length; i++) {
                free.take(); // let everything in flight finish before the clock stops
            }
            return cpuStart < 0 ? os.getProcessCpuTime() : cpuStart;
        }

        private void issue(List<Integer> slots) {
            List<IoRequest> batch = new ArrayList<>(slots.size());
            for (int slot : slots) {
                long block = w.random() ? ThreadLocalRandom.current().nextLong(blocks)
                        : sequential.getAndIncrement() % blocks;
                long position = block * w.blockSize();
                batch.add(w.write() ? new IoRequest.Write(file, position, buffers[slot])
                        : new IoRequest.Read(file, position, buffers[slot]));
            }
            long issued = System.nanoTime();
            boolean counted = issued >= start;
            List<CompletableFuture<Long>> results = batch.size() == 1
                    ? List.of(engine.submit(batch.get(0))) : engine.submitBatch(batch);
            for (int i = 0; i < results.size(); i++) {
                int slot = slots.get(i);
                results.get(i).whenComplete((n, e) -> done(slot, issued, counted, e));
            }
        }

        private void done(int slot, long issued, boolean counted, Throwable error) {
            long now = System.nanoTime();
            if (error != null) {
                failure.compareAndSet(null, error);
            } else if (counted) {
                latencies.record(now - issued);
                completed.incrementAndGet();
            }
            int[] nesting = NESTING.get();
            // Resubmit from here unless this is the driver, or a callback already inside done():
            // a future that completes before its callback is attached runs the callback at once,
            // and chaining from there would recurse until the stack overflows.
            if (error != null || now >= deadline || Thread.currentThread() == driverThread || nesting[0] > 0) {
                free.add(slot);
                return;
            }
            nesting[0]++;
            try {
                issue(List.of(slot));
            } catch (RuntimeException | Error e) {
                failure.compareAndSet(null, e); // thrown inside a callback it would vanish, and the slot with it
                free.add(slot);
            } finally {
                nesting[0]--;
            }
        }
    }
}
