package org.aiofs.fs.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.aiofs.aio.nativeio.Errno;

/**
 * The INIT handshake: aiofs asks for the features in {@link #WISHES}, takes what the kernel
 * offers, and says what it was refused. One table of wishes, so that a later feature
 * (passthrough, FUSE over io_uring: flags2 bits) is one more row, plus its reply field.
 */
final class InitNegotiation {
    static final int MAJOR = 7;
    /** The protocol this code speaks (struct layouts of fuse.h 7.45). */
    static final int MINOR = 45;
    /** fuse_init_out grew to 64 bytes in 7.23; older kernels are not served. */
    static final int OLDEST_MINOR = 23;

    static final long ASYNC_READ = 1L << 0;
    static final long BIG_WRITES = 1L << 5;
    static final long DO_READDIRPLUS = 1L << 13;
    static final long ASYNC_DIO = 1L << 15;
    static final long PARALLEL_DIROPS = 1L << 18;
    static final long MAX_PAGES = 1L << 22;
    static final long INIT_EXT = 1L << 30;
    /** flags2 bit 5: opens may name a backing file the kernel reads and writes itself (7.40). */
    static final long PASSTHROUGH = 1L << 37;
    /**
     * flags2 bit 9: requests may be served from io_uring queues (7.42, Linux 6.14). The kernel
     * offers it only while the fuse module's enable_uring parameter is Y.
     */
    static final long OVER_IO_URING = 1L << 41;
    /**
     * How deep filesystems may stack under a backing file: 2, so that an image on overlayfs
     * (a container's root) can be passed through; the cost is that this mount cannot itself
     * be a layer of an overlayfs.
     */
    static final int MAX_STACK_DEPTH = 2;

    private static final int INIT_OUT_SIZE = 64;
    private static final int PAGE = 4096;
    /** The kernel's limit when /proc/sys/fs/fuse/max_pages_limit does not exist (before 6.13): 1 MiB. */
    private static final int DEFAULT_MAX_PAGES_LIMIT = 256;
    private static final Path MAX_PAGES_LIMIT = Path.of("/proc/sys/fs/fuse/max_pages_limit");

    /** A feature aiofs asks for, and why, for the log when the kernel refuses it. */
    private record Wish(long flag, String name, String without) {
    }

    private static final List<Wish> WISHES = List.of(
            new Wish(ASYNC_READ, "async_read", "reads are served one at a time per file"),
            new Wish(BIG_WRITES, "big_writes", "writes arrive in 4 KiB pieces"),
            new Wish(ASYNC_DIO, "async_dio", "an O_DIRECT reader's queue is served one request at a time"),
            new Wish(PARALLEL_DIROPS, "parallel_dirops", "lookups in one directory wait for each other"),
            new Wish(MAX_PAGES, "max_pages", "requests are at most 128 KiB"),
            new Wish(DO_READDIRPLUS, "readdirplus", "ls -l asks for each entry's attributes apart"));

    private InitNegotiation() {
    }

    /**
     * The request size asked for: what the kernel allows, at most 1 MiB (the request buffers'
     * size). A sysctl file must be read in one call: a read at a later offset is its end, so
     * Files.readString (which starts small for a file of size 0) would see only "2" of "256".
     */
    static int maxPages() {
        try (InputStream in = Files.newInputStream(MAX_PAGES_LIMIT)) {
            byte[] b = new byte[64];
            int n = in.read(b);
            int limit = Integer.parseInt(new String(b, 0, Math.max(n, 0), StandardCharsets.US_ASCII).trim());
            return Math.max(1, Math.min(limit, DEFAULT_MAX_PAGES_LIMIT));
        } catch (IOException | NumberFormatException e) {
            return DEFAULT_MAX_PAGES_LIMIT;
        }
    }

    /**
     * Answers the INIT request. Returns what was agreed, or throws when the kernel speaks a
     * protocol aiofs can't serve (after answering EPROTO); returns null when the kernel offered
     * a newer major version and will send another INIT.
     */
    static Connection answer(FuseRequest init, int maxPages, int maxBackground) throws IOException {
        return answer(init, maxPages, maxBackground, false);
    }

    /** @param offerPassthrough ask for FUSE passthrough too (a file to pass through, and the right to) */
    static Connection answer(FuseRequest init, int maxPages, int maxBackground, boolean offerPassthrough)
            throws IOException {
        return answer(init, maxPages, maxBackground, offerPassthrough, null);
    }

    /**
     * @param uringRefusal null to ask for FUSE over io_uring too (when offered), or why aiofs does
     *                     not ask for it (logged among what was not taken)
     */
    static Connection answer(FuseRequest init, int maxPages, int maxBackground, boolean offerPassthrough,
                             String uringRefusal) throws IOException {
        int major = init.argInt(0);
        int minor = init.argInt(4);
        if (major > MAJOR) {
            ByteBuffer out = init.replyRoom(INIT_OUT_SIZE);
            clear(out);
            out.putInt(0, MAJOR);
            out.putInt(4, MINOR);
            init.reply(INIT_OUT_SIZE);
            return null;
        }
        if (major < MAJOR || minor < OLDEST_MINOR) {
            init.replyError(Errno.EPROTO);
            throw new IOException("the kernel speaks FUSE " + major + "." + minor + "; aiofs needs 7." + OLDEST_MINOR
                    + " or newer (Linux 3.15)");
        }
        int maxReadahead = init.argInt(8);
        long offered = init.argInt(12) & 0xffff_ffffL;
        if ((offered & INIT_EXT) != 0 && init.argumentLength() >= 20) {
            offered |= (init.argInt(16) & 0xffff_ffffL) << 32;
        }
        long flags = 0;
        List<String> granted = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (Wish w : WISHES) {
            if ((offered & w.flag()) != 0) {
                flags |= w.flag();
                granted.add(w.name());
            } else {
                refused.add(w.name() + " (" + w.without() + ")");
            }
        }
        if (offerPassthrough) {
            if ((offered & PASSTHROUGH) != 0) {
                flags |= PASSTHROUGH;
                granted.add("passthrough");
            } else {
                refused.add("passthrough (the kernel serves no file itself)");
            }
        }
        if ((offered & OVER_IO_URING) != 0 && uringRefusal == null) {
            flags |= OVER_IO_URING;
            granted.add("io_uring");
        } else if ((offered & OVER_IO_URING) == 0 && uringRefusal == null) {
            refused.add("io_uring (requests come over /dev/fuse: the kernel offers FUSE over io_uring only with"
                    + " /sys/module/fuse/parameters/enable_uring set to Y, on Linux 6.14 or newer)");
        }
        if ((flags >>> 32) != 0) {
            flags |= INIT_EXT;
        }
        int pages = (flags & MAX_PAGES) != 0 ? maxPages : 32;
        int maxWrite = pages * PAGE;

        ByteBuffer out = init.replyRoom(INIT_OUT_SIZE);
        clear(out);
        out.putInt(0, MAJOR);
        out.putInt(4, MINOR);
        out.putInt(8, maxReadahead);
        out.putInt(12, (int) flags);
        out.putShort(16, (short) maxBackground);
        out.putShort(18, (short) (maxBackground * 3 / 4)); // congestion_threshold
        out.putInt(20, maxWrite);
        out.putInt(24, 1); // time_gran: 1 ns
        out.putShort(28, (short) pages);
        out.putShort(30, (short) 0); // map_alignment
        out.putInt(32, (int) (flags >>> 32)); // flags2
        out.putInt(36, (flags & PASSTHROUGH) != 0 ? MAX_STACK_DEPTH : 0);
        init.reply(INIT_OUT_SIZE);
        return new Connection(major, minor, Math.min(minor, MINOR), flags, maxWrite, maxBackground,
                List.copyOf(granted), List.copyOf(refused));
    }

    private static void clear(ByteBuffer out) {
        for (int i = 0; i < INIT_OUT_SIZE; i += 8) {
            out.putLong(i, 0);
        }
    }
}
