package org.aiofs.fs.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.aiofs.fs.log.ServerLog;

/**
 * FUSE over io_uring for one connection: one {@link FuseUringQueue} per possible CPU (the
 * kernel's nr_queues is num_possible_cpus(), and it switches to the rings only once every queue
 * has an entry). The rings are made before INIT, so that aiofs asks for FUSE over io_uring only
 * when it can serve it: once granted, the kernel holds every request until the queues are
 * registered. INIT itself, FORGET, INTERRUPT and notifications stay on /dev/fuse.
 * <p>The kernel offers it only while /sys/module/fuse/parameters/enable_uring is Y (read at INIT);
 * aiofs never sets that parameter.
 */
public final class FuseUring {
    /** The fuse module's switch; root may write Y to it. */
    public static final Path ENABLE_URING = Path.of("/sys/module/fuse/parameters/enable_uring");
    private static final Path POSSIBLE_CPUS = Path.of("/sys/devices/system/cpu/possible");
    /** Entries per queue: a QD16 job, or a few, on one CPU keep requests in flight. */
    static final int DEPTH = 32;

    private final List<FuseUringQueue> queues;
    private final String refusal;
    private volatile boolean started;
    private volatile String notStarted;

    private FuseUring(List<FuseUringQueue> queues, String refusal) {
        this.queues = queues;
        this.refusal = refusal;
        this.notStarted = refusal;
    }

    /** Whether the kernel offers FUSE over io_uring to new connections: true, false, or null (no such parameter). */
    public static Boolean kernelEnabled() {
        try (InputStream in = Files.newInputStream(ENABLE_URING)) {
            byte[] b = new byte[8];
            int n = in.read(b);
            String v = new String(b, 0, Math.max(n, 0), StandardCharsets.US_ASCII).trim();
            return v.equals("Y") || v.equals("1");
        } catch (IOException e) {
            return null;
        }
    }

    /** Why the kernel will not offer it, or null when it will. */
    public static String kernelRefusal() {
        Boolean enabled = kernelEnabled();
        if (enabled == null) {
            return "this kernel has no FUSE over io_uring (no " + ENABLE_URING + "; Linux 6.14+ built with"
                    + " CONFIG_FUSE_IO_URING)";
        }
        return enabled ? null : ENABLE_URING + " is N (as root: echo Y > " + ENABLE_URING + ", before mounting)";
    }

    /** CPUs the kernel counts as possible, from a cpulist such as "0-1" or "0,2-5": the highest + 1. */
    static int possibleCpus(String cpulist) {
        int highest = -1;
        for (String part : cpulist.trim().split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int dash = part.indexOf('-');
            String last = dash < 0 ? part : part.substring(dash + 1);
            highest = Math.max(highest, Integer.parseInt(last.trim()));
        }
        if (highest < 0) {
            throw new IllegalArgumentException("no CPU in \"" + cpulist + "\"");
        }
        return highest + 1;
    }

    static int possibleCpus() throws IOException {
        try {
            return possibleCpus(Files.readString(POSSIBLE_CPUS, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IOException(POSSIBLE_CPUS + ": " + e.getMessage(), e);
        }
    }

    /** Not used: {@code why} says so (the option, the kernel). */
    static FuseUring off(String why) {
        return new FuseUring(List.of(), why);
    }

    /**
     * Makes the queues' rings and buffers (payloads of {@code maxData} bytes) on {@code device};
     * if any cannot be made, nothing is kept and the result says why.
     */
    static FuseUring prepare(int maxData, FuseChannel device) {
        return prepare(maxData, maxData, device);
    }

    /** @param registeredPayload what REGISTER names as each entry's payload (tests make it too small) */
    static FuseUring prepare(int maxData, int registeredPayload, FuseChannel device) {
        String kernel = kernelRefusal();
        if (kernel != null) {
            return off(kernel);
        }
        List<FuseUringQueue> made = new ArrayList<>();
        try {
            int cpus = possibleCpus();
            for (int qid = 0; qid < cpus; qid++) {
                made.add(new FuseUringQueue(qid, DEPTH, maxData, registeredPayload, device));
            }
            for (FuseUringQueue q : made) {
                q.ringMade().join();
            }
            return new FuseUring(List.copyOf(made), null);
        } catch (IOException | RuntimeException e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            made.forEach(FuseUringQueue::stop);
            joinAll(made);
            return off("the io_uring queues could not be set up: " + cause.getMessage());
        }
    }

    /** Why aiofs does not ask for FUSE over io_uring, or null when it asks. */
    String refusal() {
        return refusal;
    }

    /** INIT granted it: registers every queue's entries and serves. */
    void start(FuseUringQueue.Server server) {
        started = true;
        notStarted = null;
        queues.forEach(q -> q.start(server));
        for (FuseUringQueue q : queues) {
            try {
                q.registration().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                ServerLog.error("FUSE over io_uring: queue " + q.qid() + " did not register: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!serving()) {
            ServerLog.error("FUSE over io_uring refused: " + failure() + "; requests come over /dev/fuse");
            return;
        }
        ServerLog.info("FUSE over io_uring: " + queues.size() + " queue(s) of " + DEPTH + " entries registered"
                + " (" + String.join(", ", queues.stream().map(q -> q.qid() + ": " + q.pinning()).toList()) + ")");
    }

    /** INIT did not grant it (or the mount went away first): the rings go. */
    void refused(String why) {
        notStarted = why;
        stop();
    }

    /** Stops every queue once its requests are answered, and waits for their threads. */
    void stop() {
        queues.forEach(FuseUringQueue::stop);
        joinAll(queues);
    }

    private static void joinAll(List<FuseUringQueue> queues) {
        boolean interrupted = false;
        for (FuseUringQueue q : queues) {
            while (true) {
                try {
                    q.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether requests are served from the rings: started, and every queue has an entry the kernel took. */
    boolean serving() {
        if (!started || queues.isEmpty()) {
            return false;
        }
        for (FuseUringQueue q : queues) {
            if (q.registered() == 0) {
                return false;
            }
        }
        return failure() == null;
    }

    String failure() {
        for (FuseUringQueue q : queues) {
            if (q.failure() != null) {
                return q.failure();
            }
        }
        return null;
    }

    /** For info.json. */
    Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean serving = serving();
        m.put("serving", serving);
        if (!serving) {
            String failure = failure();
            m.put("reason", notStarted != null ? notStarted : failure != null ? failure : "not started");
        }
        m.put("queues", queues.size());
        m.put("entries_per_queue", queues.isEmpty() ? 0 : DEPTH);
        List<Map<String, Object>> each = new ArrayList<>();
        for (FuseUringQueue q : queues) {
            Map<String, Object> qm = new LinkedHashMap<>();
            qm.put("qid", q.qid());
            qm.put("registered_entries", q.registered());
            qm.put("requests", q.served());
            qm.put("cpu", q.pinning());
            each.add(qm);
        }
        m.put("per_queue", each);
        return m;
    }

    /** Requests served from the rings so far. */
    long served() {
        return queues.stream().mapToLong(FuseUringQueue::served).sum();
    }
}
