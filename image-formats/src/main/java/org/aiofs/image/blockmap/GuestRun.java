package org.aiofs.image.blockmap;

/**
 * A run of guest bytes that are all stored the same way: at one host offset onwards
 * ({@link Kind#DATA}), nowhere because they read as zeroes ({@link Kind#ZERO}), or in the
 * backing image at the same guest offset ({@link Kind#BACKING}).
 *
 * @param hostOffset where a DATA run starts in the image file; unused for the other kinds
 */
public record GuestRun(Kind kind, long length, long hostOffset) {
    public enum Kind {
        DATA, ZERO, BACKING
    }

    public static GuestRun data(long length, long hostOffset) {
        return new GuestRun(Kind.DATA, length, hostOffset);
    }

    public static GuestRun zero(long length) {
        return new GuestRun(Kind.ZERO, length, 0);
    }

    public static GuestRun backing(long length) {
        return new GuestRun(Kind.BACKING, length, 0);
    }
}
