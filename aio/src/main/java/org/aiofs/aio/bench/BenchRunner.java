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
 * in flight (freed slots are resubmitted together through submitBatch), and measures IOPS, throughput, completion latency and process CPU per I/O.
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
                return measure(engine, file, workload, cache, blocks, seconds);
            }
        }
    }

    private static BenchResult measure(IoEngine engine, HostFile file, Workload w, CacheMode cache, long blocks,
                                       double seconds) throws IOException {
        int depth = w.queueDepth();
        ByteBuffer[] buffers = new ByteBuffer[depth];
        for (int i = 0; i < depth; i++) {
            buffers[i] = BufferPool.allocate(w.blockSize(), 4096);
            byte[] data = new byte[w.blockSize()];
            ThreadLocalRandom.current().nextBytes(data);
            buffers[i].put(data).flip();
        }
        BlockingQueue<Integer> free = new ArrayBlockingQueue<>(depth);
        for (int i = 0; i < depth; i++) {
            free.add(i);
        }
        LatencyRecorder latencies = new LatencyRecorder(MAX_SAMPLES);
        AtomicLong completed = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long sequential = 0;
        // A warm-up (a quarter of the run, at most 1 s) lets the JIT compile the I/O path first;
        // only requests issued after it count.
        long warmUp = (long) (Math.min(1.0, seconds / 4) * 1e9);
        long begin = System.nanoTime();
        long start = begin + warmUp;
        long deadline = start + (long) (seconds * 1e9);
        long cpuStart = -1;
        try {
            List<Integer> ready = new ArrayList<>(depth);
            List<IoRequest> batch = new ArrayList<>(depth);
            while (System.nanoTime() < deadline && failure.get() == null) {
                // Whatever slots are free go to the engine as one batch (one system call where it can).
                ready.clear();
                batch.clear();
                ready.add(free.take());
                free.drainTo(ready);
                for (int slot : ready) {
                    long block = w.random() ? ThreadLocalRandom.current().nextLong(blocks) : sequential++ % blocks;
                    long position = block * w.blockSize();
                    batch.add(w.write() ? new IoRequest.Write(file, position, buffers[slot])
                            : new IoRequest.Read(file, position, buffers[slot]));
                }
                long issued = System.nanoTime();
                if (cpuStart < 0 && issued >= start) {
                    cpuStart = os.getProcessCpuTime();
                }
                boolean counted = issued >= start;
                List<CompletableFuture<Long>> results = ready.size() == 1
                        ? List.of(engine.submit(batch.get(0))) : engine.submitBatch(batch);
                for (int i = 0; i < results.size(); i++) {
                    int slot = ready.get(i);
                    results.get(i).whenComplete((n, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        } else if (counted) {
                            latencies.record(System.nanoTime() - issued);
                            completed.incrementAndGet();
                        }
                        free.add(slot);
                    });
                }
            }
            for (int i = 0; i < depth; i++) {
                free.take(); // let everything in flight finish before the clock stops
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("benchmark interrupted", e);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long cpu = cpuStart < 0 ? 0 : os.getProcessCpuTime() - cpuStart;
        if (failure.get() != null) {
            throw new IOException(engine.name() + " " + w.name() + ": " + failure.get().getMessage(), failure.get());
        }
        long ios = completed.get();
        long[] sorted = latencies.sorted();
        double iops = ios / elapsed;
        return new BenchResult(engine.name(), w.name(), cache.label(), true, "", ios, elapsed, iops,
                iops * w.blockSize() / (1 << 20), latencies.percentileMicros(50, sorted),
                latencies.percentileMicros(99, sorted), ios == 0 ? 0 : cpu / 1000.0 / ios);
    }
}
