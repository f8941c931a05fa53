package org.aiofs.image.blockmap;

import org.aiofs.testing.Qemu;


import java.nio.file.Path;
import java.util.List;

/**
 * Small images of each block-mapped format, made by qemu-img and written by qemu-io: seeds for
 * mutation tests (and for a fuzzing harness), each with the byte ranges where its metadata lies.
 */
public final class FormatSeeds {
    /** A seed image, the format to open it with, and the [start, end) ranges of its metadata. */
    public record Seed(Path image, String format, List<long[]> metadata) {
    }

    private static final long K = 1024;
    private static final long M = 1024 * K;

    private FormatSeeds() {
    }

    public static List<Seed> all(Path dir) throws Exception {
        Qemu.img(dir, "create", "-f", "vpc", "dynamic.vhd", "4M");
        Qemu.io(dir.resolve("dynamic.vhd"), "vpc", "write -P 1 0 5000", "write -P 2 2M 1M");
        Qemu.img(dir, "create", "-f", "vpc", "-o", "subformat=fixed", "fixed.vhd", "1M");
        Qemu.img(dir, "create", "-f", "vhdx", "-o", "block_size=1M", "dynamic.vhdx", "6M");
        Qemu.io(dir.resolve("dynamic.vhdx"), "vhdx", "write -P 3 0 5000", "write -P 4 3M 1M");
        Qemu.img(dir, "create", "-f", "vdi", "dynamic.vdi", "4M");
        Qemu.io(dir.resolve("dynamic.vdi"), "vdi", "write -P 5 0 5000", "write -P 6 2M 1M");
        Qemu.img(dir, "create", "-f", "vdi", "-o", "static=on", "static.vdi", "2M");
        long vhdEnd = java.nio.file.Files.size(dir.resolve("dynamic.vhd"));
        long fixedEnd = java.nio.file.Files.size(dir.resolve("fixed.vhd"));
        return List.of(
                new Seed(dir.resolve("dynamic.vhd"), "vpc", List.of(new long[] {0, 1536 + 64},
                        new long[] {vhdEnd - 512, vhdEnd})),
                new Seed(dir.resolve("fixed.vhd"), "vpc", List.of(new long[] {fixedEnd - 512, fixedEnd})),
                new Seed(dir.resolve("dynamic.vhdx"), "vhdx", List.of(new long[] {0, 8},
                        new long[] {64 * K, 64 * K + 80}, new long[] {128 * K, 128 * K + 80},
                        new long[] {192 * K, 192 * K + 80}, new long[] {1 * M, 1 * M + 128},
                        new long[] {2 * M, 2 * M + 64}, new long[] {3 * M, 3 * M + 200},
                        new long[] {3 * M + 64 * K, 3 * M + 64 * K + 48})),
                new Seed(dir.resolve("dynamic.vdi"), "vdi", List.of(new long[] {0, 512 + 64})),
                new Seed(dir.resolve("static.vdi"), "vdi", List.of(new long[] {0, 512 + 16})));
    }
}
