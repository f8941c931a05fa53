package org.aiofs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.aio.nbd.NbdServer;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;

/** Images made with QEMU's tools and served over NBD by qemu-nbd or nbdkit, for mount tests. */
final class NbdExports {
    /** The two servers a mount must work with. */
    enum Server {
        QEMU_NBD, NBDKIT;

        /** Serves {@code file}'s bytes as they are (a qcow2 file is served as its raw bytes). */
        NbdServer serve(Path dir, boolean tcp, Path file) {
            return this == QEMU_NBD ? NbdServer.qemuNbd(dir, tcp, file, "raw")
                    : NbdServer.nbdkit(dir, tcp, "file", "file=" + file);
        }
    }

    private NbdExports() {
    }

    /**
     * A qcow2 image with data, zero and compressed clusters and an internal snapshot, followed
     * by free space (an export does not grow: a writer allocates inside it, as on a block device).
     */
    static Path qcow2WithRoom(Path dir, String name, long virtualSize) throws IOException {
        Path image = dir.resolve(name);
        Qemu.img("create", "-q", "-f", "qcow2", image.toString(), String.valueOf(virtualSize));
        long half = virtualSize / 2;
        Qemu.io(image, "qcow2", "write -P 0xa5 0 4M", "write -z 8M 2M", "write -c -P 0x11 " + half + " 256k");
        Qemu.img("snapshot", "-c", "before", image.toString());
        Qemu.io(image, "qcow2", "write -P 0x3c 1M 1M", "write -P 0x77 " + (half + (1 << 20)) + " 3M");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(f.length() + virtualSize);
        }
        return image;
    }

    /** qemu-img check: 0 (clean), with its report when not. */
    static void assertClean(Path qcow2) {
        Tool.Result r = Commands.run("qemu-img", "check", qcow2.toString());
        if (r.exitCode() != 0) {
            throw new AssertionError("qemu-img check " + qcow2 + " exited " + r.exitCode() + ": " + r.stdout()
                    + r.stderr());
        }
    }

    /** qemu-img compare: the guest-visible content of both is the same. */
    static void assertSameContent(Path a, Path b) {
        Commands.run("qemu-img", "compare", a.toString(), b.toString()).assertSuccess();
    }

    /** What QEMU reads through the export itself, as raw bytes. */
    static Path qemuReads(String uri, String format, Path dir, String name, String... options) {
        Path raw = dir.resolve(name);
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("qemu-img", "convert", "-f",
                format));
        command.addAll(java.util.List.of(options));
        command.addAll(java.util.List.of("-O", "raw", uri, raw.toString()));
        Commands.run(command.toArray(String[]::new)).assertSuccess();
        return raw;
    }

    static long mismatch(Path a, Path b) throws IOException {
        return Files.mismatch(a, b);
    }
}
