package org.aiofs.image;

/**
 * What a check of any format found, in the terms of {@code qemu-img check} (its JSON keys: check-errors,
 * corruptions, leaks, corruptions-fixed, leaks-fixed, image-end-offset, total-clusters,
 * allocated-clusters, fragmented-clusters, compressed-clusters). After a repair the counts
 * are those of the re-check, the *Fixed counts those of the repair.
 */
public record CheckResult(String filename, String format, long checkErrors, long corruptions, long leaks,
        long corruptionsFixed, long leaksFixed, long imageEndOffset, long totalClusters, long allocatedClusters,
        long fragmentedClusters, long compressedClusters) {

    public static final int EXIT_CLEAN = 0;
    public static final int EXIT_CHECK_FAILED = 1;
    public static final int EXIT_CORRUPT = 2;
    public static final int EXIT_LEAKS = 3;
    /** qemu-img's answer for a format without checks (raw). */
    public static final int EXIT_NOT_SUPPORTED = 63;

    /** qemu-img check's exit code: 1 if the check could not complete, else 2 corrupt, 3 leaks only, 0 clean. */
    public int exitCode() {
        if (checkErrors > 0) {
            return EXIT_CHECK_FAILED;
        }
        if (corruptions > 0) {
            return EXIT_CORRUPT;
        }
        return leaks > 0 ? EXIT_LEAKS : EXIT_CLEAN;
    }
}
