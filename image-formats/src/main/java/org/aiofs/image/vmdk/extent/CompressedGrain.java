package org.aiofs.image.vmdk.extent;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import org.aiofs.image.ImageException;

/**
 * A compressed grain of a stream-optimized extent, inflated as QEMU inflates it: QEMU reads two
 * grains from the grain's offset (bytes past the end of the file read as zeroes); with markers,
 * the first 12 bytes are the grain's sector number and the compressed size, else the data is
 * one grain long; the data is a zlib stream that must end within it and inflate to at most one
 * grain (the last grain of a disk may be shorter).
 */
public final class CompressedGrain {
    /** Sector number (8 bytes) and compressed size (4 bytes) before the data. */
    public static final int MARKER_LENGTH = 12;

    private CompressedGrain() {
    }

    /** Bytes to read at the grain's offset: two grains, as QEMU reads them. */
    public static int readLength(GrainLayout layout) {
        return (int) (2 * layout.grainBytes());
    }

    /**
     * Inflates the grain read into {@code stored} ({@link #readLength} bytes, zeroes past the end
     * of the file).
     *
     * @return the inflated bytes (position 0, limit = how many)
     */
    public static ByteBuffer inflate(String image, long hostOffset, GrainLayout layout, ByteBuffer stored)
            throws ImageException {
        int grainBytes = (int) layout.grainBytes();
        int start = 0;
        long length = grainBytes;
        if (layout.markers()) {
            start = MARKER_LENGTH;
            length = stored.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(stored.position() + 8) & 0xffffffffL;
            if (length == 0 || length > stored.remaining() - MARKER_LENGTH) {
                throw bad(image, hostOffset, "the marker's size " + length + " is 0 or larger than two grains");
            }
        }
        ByteBuffer input = stored.slice(stored.position() + start, (int) length);
        ByteBuffer out = ByteBuffer.allocate(grainBytes);
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(input);
            while (!inflater.finished() && out.hasRemaining()) {
                if (inflater.inflate(out) == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
            }
            if (!inflater.finished() && !out.hasRemaining()) {
                // the stream's end may still be pending with no room left: is there more output?
                ByteBuffer probe = ByteBuffer.allocate(1);
                if (inflater.inflate(probe) > 0) {
                    throw bad(image, hostOffset, "the data inflates to more than a grain (" + grainBytes + " bytes)");
                }
            }
            if (!inflater.finished()) {
                throw bad(image, hostOffset, "the zlib stream ends early (after " + out.position()
                        + " inflated bytes)");
            }
        } catch (DataFormatException e) {
            throw bad(image, hostOffset, "the zlib data is invalid (" + e.getMessage() + ")");
        } finally {
            inflater.end();
        }
        return out.flip();
    }

    private static ImageException bad(String image, long hostOffset, String what) {
        return ImageException.corrupt(image, "compressed grain at 0x" + Long.toHexString(hostOffset) + ": " + what);
    }
}
