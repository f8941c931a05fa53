package org.aiofs.image.vmdk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;

/**
 * VMDK disks made by qemu-img and qemu-io, each with what QEMU reads from it (qemu-img convert
 * -O raw): the corpus the read tests compare against, and small seeds for fuzzing. The
 * hand-made ones ({@link VmdkHandMade}) are layouts VMware writes and QEMU reads.
 */
public final class VmdkCorpus {
    /** A disk and QEMU's reading of it. */
    public record Disk(String label, Path image, Path expected) {
    }

    private VmdkCorpus() {
    }

    /** {@code qemu-img create -f vmdk -o OPTIONS NAME SIZE}, then qemu-io writes (each a -c). */
    public static Path create(Path dir, String name, String options, String size, String... writes)
            throws IOException, InterruptedException {
        List<String> create = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", "vmdk"));
        if (!options.isEmpty()) {
            create.add("-o");
            create.add(options);
        }
        create.add(name);
        create.add(size);
        Tool.ok(dir, create.toArray(String[]::new));
        io(dir, name, writes);
        return dir.resolve(name);
    }

    /** qemu-io commands on a vmdk (its parents opened as QEMU opens them). */
    public static void io(Path dir, String name, String... writes) throws IOException, InterruptedException {
        if (writes.length == 0) {
            return;
        }
        List<String> io = new ArrayList<>(List.of("qemu-io", "-f", "vmdk"));
        for (String w : writes) {
            io.add("-c");
            io.add(w);
        }
        io.add(name);
        String out = Tool.ok(dir, io.toArray(String[]::new));
        if (out.contains("error") || out.contains("failed")) {
            throw new AssertionError("qemu-io reported: " + out);
        }
    }

    /** {@code qemu-img convert -O vmdk -o OPTIONS SOURCE NAME}. */
    public static Path convert(Path dir, Path source, String name, String options)
            throws IOException, InterruptedException {
        Tool.ok(dir, "qemu-img", "convert", "-O", "vmdk", "-o", options, source.toString(), name);
        return dir.resolve(name);
    }

    /** What QEMU reads from the disk. */
    public static Path expected(Path image) throws IOException, InterruptedException {
        Path raw = image.resolveSibling(image.getFileName() + ".expected.raw");
        Tool.ok(image.getParent(), "qemu-img", "convert", "-O", "raw", image.toString(), raw.toString());
        return raw;
    }

    /**
     * A raw disk of {@code size} bytes that compresses like a real one: runs of text, of random
     * bytes and of zeroes, in pieces that do not line up with grains.
     */
    public static Path mixedRaw(Path dir, String name, int size, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] bytes = new byte[size];
        int pos = 0;
        while (pos < size) {
            int len = Math.min(size - pos, 1000 + random.nextInt(90_000));
            switch (random.nextInt(3)) {
                case 0 -> {
                    for (int i = 0; i < len; i++) {
                        bytes[pos + i] = (byte) ("the quick brown fox jumps over the lazy dog\n".charAt((pos + i) % 44));
                    }
                }
                case 1 -> {
                    byte[] noise = new byte[len];
                    random.nextBytes(noise);
                    System.arraycopy(noise, 0, bytes, pos, len);
                }
                default -> {
                    // zeroes
                }
            }
            pos += len;
        }
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /**
     * Small disks of every kind qemu-img makes, with data, zeroed grains and a parent: seeds for
     * fuzzing (each a few hundred KiB at most) and the mutation test's originals.
     */
    public static List<Disk> seeds(Path dir) throws IOException, InterruptedException {
        List<Disk> disks = new ArrayList<>();
        Path sparse = create(dir, "sparse.vmdk", "zeroed_grain=on", "1M", "write -P 0x61 0 100k",
                "write -P 0x62 300k 5000", "write -z 512k 64k", "write -P 0x63 960k 64k");
        disks.add(new Disk("monolithicSparse", sparse, expected(sparse)));
        Path mixed = mixedRaw(dir, "mixed.raw", 512 * 1024, 7);
        Path stream = convert(dir, mixed, "stream.vmdk", "subformat=streamOptimized");
        disks.add(new Disk("streamOptimized", stream, expected(stream)));
        Path flat = create(dir, "flat.vmdk", "subformat=monolithicFlat", "256k", "write -P 0x64 1000 70000");
        disks.add(new Disk("monolithicFlat", flat, expected(flat)));
        Path child = create(dir, "child.vmdk", "backing_file=sparse.vmdk,backing_fmt=vmdk", "1M",
                "write -P 0x65 64k 64k", "write -P 0x66 500k 1k");
        disks.add(new Disk("child of monolithicSparse", child, expected(child)));
        Path split = create(dir, "split.vmdk", "subformat=twoGbMaxExtentSparse", "1M", "write -P 0x67 0 70k");
        disks.add(new Disk("twoGbMaxExtentSparse", split, expected(split)));
        Path footer = VmdkHandMade.gdAtEnd(stream, dir.resolve("footer.vmdk"));
        disks.add(new Disk("streamOptimized, directory after the stream", footer, expected(footer)));
        VmdkHandMade.cowd(dir.resolve("cowd-s.vmdk"), 256, 8, new boolean[] {true, false, true});
        Path cowd = VmdkHandMade.descriptor(dir.resolve("cowd.vmdk"), "vmfsSparse",
                "RW 256 VMFSSPARSE \"cowd-s.vmdk\"\n", false);
        disks.add(new Disk("vmfsSparse (COWD)", cowd, expected(cowd)));
        return disks;
    }
}
