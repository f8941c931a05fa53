package org.aiofs.image.vmdk.extent;

/**
 * Where a run of an extent's bytes is: stored at {@code hostOffset} of the extent's file, inside
 * a compressed grain, reading as zeroes, or not allocated (read from the parent, else zeroes).
 * A run never crosses a grain boundary of a sparse extent.
 *
 * @param hostOffset   DATA: the file offset of the run's first byte; COMPRESSED: of the grain
 * @param offsetInGrain COMPRESSED: where the run starts inside the inflated grain
 */
public record ExtentRun(Kind kind, long length, long hostOffset, int offsetInGrain) {
    public enum Kind {
        DATA,
        COMPRESSED,
        /** A zeroed grain: zeroes, never the parent's data. */
        ZERO,
        /** Not allocated: the parent's data, or zeroes without a parent. */
        UNALLOCATED
    }

    static ExtentRun data(long length, long hostOffset) {
        return new ExtentRun(Kind.DATA, length, hostOffset, 0);
    }

    static ExtentRun compressed(long length, long grainOffset, int offsetInGrain) {
        return new ExtentRun(Kind.COMPRESSED, length, grainOffset, offsetInGrain);
    }

    static ExtentRun zero(long length) {
        return new ExtentRun(Kind.ZERO, length, -1, 0);
    }

    static ExtentRun unallocated(long length) {
        return new ExtentRun(Kind.UNALLOCATED, length, -1, 0);
    }
}
