package org.aiofs.image;

/** What a check may fix, as {@code qemu-img check -r leaks|all}. */
public enum RepairMode {
    /** Report only; the image is opened read-only. */
    NONE,
    /** Lower refcounts that are too high; fix COPIED flags once the refcounts are known right. */
    LEAKS,
    /** Also raise refcounts that are too low (the corruption that lets a cluster be reused) and COPIED flags. */
    ALL;

    public boolean fixesLeaks() {
        return this != NONE;
    }

    public boolean fixesErrors() {
        return this == ALL;
    }
}
