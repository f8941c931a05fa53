package org.aiofs.image.qcow2;

/**
 * The second 64 bits of an extended L2 entry: bit i (0..31) says subcluster i is allocated,
 * bit 32+i says it reads as zeroes. Both set at once is invalid.
 */
public record SubclusterBitmap(long bits) {
    public static final int SUBCLUSTERS = 32;

    public enum State { UNALLOCATED, ALLOCATED, ZERO, INVALID }

    public boolean allocated(int i) {
        return (bits >>> i & 1) != 0;
    }

    public boolean zero(int i) {
        return (bits >>> (32 + i) & 1) != 0;
    }

    public State state(int i) {
        boolean a = allocated(i);
        boolean z = zero(i);
        if (a && z) {
            return State.INVALID;
        }
        return a ? State.ALLOCATED : z ? State.ZERO : State.UNALLOCATED;
    }

    /** How many subclusters from {@code first} on share the state of {@code first} (at least 1). */
    public int runLength(int first) {
        State s = state(first);
        int n = 1;
        while (first + n < SUBCLUSTERS && state(first + n) == s) {
            n++;
        }
        return n;
    }

    public int allocationBits() {
        return (int) bits;
    }
}
