package org.aiofs.image.qcow2;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import org.aiofs.aio.ForwardingEngine;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;

/**
 * Passes requests on and records every write to one file when it completes, numbered by
 * the flushes submitted before that: enough to build what a power cut at any moment could
 * leave on disk (everything a later flush covers, any subset of what came after). A write
 * still in flight when a flush is submitted is not covered by it, as on a real disk.
 */
public final class CrashRecordingEngine extends ForwardingEngine {
    record Recorded(long position, byte[] data, int epoch) {
    }

    private final Path watched;
    private final List<Recorded> writes = new ArrayList<>();
    private int epoch;

    public CrashRecordingEngine(IoEngine inner, Path watched) {
        super(inner);
        this.watched = watched.toAbsolutePath();
    }

    @Override
    public String name() {
        return "crash-recording";
    }

    @Override
    public CompletableFuture<Long> submit(IoRequest request) {
        if (request instanceof IoRequest.Write w && watched.equals(w.file().path().toAbsolutePath())) {
            ByteBuffer all = ByteBuffer.allocate((int) w.length());
            for (ByteBuffer b : w.buffers()) {
                all.put(b.duplicate());
            }
            return inner.submit(request).whenComplete((n, e) -> {
                if (e == null) {
                    synchronized (this) {
                        writes.add(new Recorded(w.position(), all.array(), epoch));
                    }
                }
            });
        } else if (request instanceof IoRequest.Flush f && watched.equals(f.file().path().toAbsolutePath())) {
            synchronized (this) {
                epoch++;
            }
        }
        return inner.submit(request);
    }

    /** Cut points just before a flush: the moments when the most writes are unflushed. */
    public synchronized List<Integer> cutsBeforeFlushes() {
        List<Integer> cuts = new ArrayList<>();
        for (int i = 0; i + 1 < writes.size(); i++) {
            if (writes.get(i).epoch() != writes.get(i + 1).epoch()) {
                cuts.add(i + 1);
            }
        }
        return cuts;
    }

    public synchronized int writeCount() {
        return writes.size();
    }

    /**
     * The file a power cut right after the first {@code cut} writes (before any flush that
     * follows them) could leave: {@code base}, every write a flush covered, and a random
     * subset of the writes since the last flush.
     */
    public synchronized void crashImage(Path base, Path out, int cut, Random random) throws IOException {
        Files.copy(base, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        int openEpoch = cut == 0 ? 0 : writes.get(cut - 1).epoch();
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
            for (int i = 0; i < cut; i++) {
                Recorded r = writes.get(i);
                if (r.epoch() < openEpoch || random.nextBoolean()) {
                    f.seek(r.position());
                    f.write(r.data());
                }
            }
        }
    }

    /** How many of the first {@code cut} writes a flush covered: every crash after the cut keeps them. */
    public synchronized int flushedBefore(int cut) {
        int openEpoch = cut == 0 ? 0 : writes.get(cut - 1).epoch();
        int n = 0;
        while (n < cut && writes.get(n).epoch() < openEpoch) {
            n++;
        }
        return n;
    }
}
