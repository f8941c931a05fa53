package org.aiofs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A host file system that accepts writes into the page cache and fails them later, at
 * writeback: ext4 on a loop device whose backing file lives on a small tmpfs (a thinly
 * provisioned disk). Once {@link #exhaust} has filled the tmpfs, writes still succeed (ext4
 * has room) but their writeback fails, and so does the next fdatasync (EIO, or EROFS once ext4
 * aborts its journal): the fault a final flush must report. Exhaust before writing: data
 * written first may be written back before the pool fills (the kernel's background writeback
 * runs whenever the machine holds enough dirty data; seen in CI), and a flush that then only
 * rewrites blocks already backed succeeds. The ext4 commits its journal only when asked
 * (commit=600), so no timed commit fails while the test still writes. Device-mapper is not
 * available on these machines.
 */
final class ThinHostDisk implements AutoCloseable {
    private final Path pool;
    private final Path fs;
    private String loop;

    private ThinHostDisk(Path pool, Path fs) {
        this.pool = pool;
        this.fs = fs;
    }

    /** A 256 MiB ext4 whose blocks can take at most {@code poolMiB} MiB of real storage. */
    static ThinHostDisk create(Path dir, int poolMiB) throws IOException {
        ThinHostDisk d = new ThinHostDisk(Files.createDirectory(dir.resolve("pool")),
                Files.createDirectory(dir.resolve("thin")));
        Commands.run("mount", "-t", "tmpfs", "-o", "size=" + poolMiB + "M", "tmpfs", d.pool.toString())
                .assertSuccess();
        try {
            Path backing = d.pool.resolve("backing");
            Commands.run("truncate", "-s", "256M", backing.toString()).assertSuccess();
            d.loop = Commands.run("losetup", "-f", "--show", backing.toString()).assertSuccess().stdout().trim();
            Commands.run("mkfs.ext4", "-q", "-E", "lazy_itable_init=1,lazy_journal_init=1", d.loop).assertSuccess();
            Commands.run("mount", "-o", "commit=600", d.loop, d.fs.toString()).assertSuccess();
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    /** Where files go. */
    Path dir() {
        return fs;
    }

    /** Takes the last free byte of the pool: from now on writeback to the ext4 fails (writes still succeed). */
    void exhaust() {
        Commands.run("dd", "if=/dev/zero", "of=" + pool.resolve("fill"), "bs=1M", "status=none");
    }

    /** Frees the pool again, e.g. so that files can be read back for judging. */
    void refill() throws IOException {
        Files.deleteIfExists(pool.resolve("fill"));
    }

    @Override
    public void close() {
        if (Mounts.isMounted(fs)) {
            Commands.run("umount", fs.toString()).assertSuccess();
        }
        if (loop != null) {
            Commands.run("losetup", "-d", loop).assertSuccess();
        }
        if (Mounts.isMounted(pool)) {
            Commands.run("umount", pool.toString()).assertSuccess();
        }
    }
}
