package org.aiofs.image.vmdk.extent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.aiofs.image.ImageException;
import org.aiofs.image.qcow2.MetadataReader;

/**
 * The end of a stream-optimized file written front to back (its header says gdOffset = -1):
 * a footer marker, a second copy of the header with the real gdOffset, and the end-of-stream
 * marker, in the last three sectors. The footer's header takes precedence, as in QEMU.
 */
public final class StreamFooter {
    /** Marker types (VMware's Virtual Disk Format 5.0). */
    public static final int MARKER_END_OF_STREAM = 0;
    public static final int MARKER_GRAIN_TABLE = 1;
    public static final int MARKER_GRAIN_DIRECTORY = 2;
    public static final int MARKER_FOOTER = 3;
    /** Footer marker, footer, end-of-stream marker: one sector each. */
    public static final int LENGTH = 3 * 512;

    private StreamFooter() {
    }

    /** The header stored in the footer, checked like the one at the start of the file. */
    public static SparseHeader read(MetadataReader meta, long fileSize) throws IOException {
        String image = meta.image();
        // QEMU counts the file in whole sectors, rounded up
        long at = ((fileSize + 511) & ~511L) - LENGTH;
        if (at < 512) {
            throw ImageException.corrupt(image, "gdOffset says the grain directory follows the stream, but the"
                    + " file (" + fileSize + " bytes) is too short for a footer");
        }
        ByteBuffer footer = ByteBuffer.allocate(LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        footer.put(meta.readUpTo(at, LENGTH)).clear(); // bytes past the end read as zeroes, as in QEMU
        if (footer.getInt(512) != Integer.reverseBytes(SparseHeader.MAGIC)
                || footer.getInt(8) != 0 || footer.getInt(12) != MARKER_FOOTER
                || footer.getLong(1024) != 0 || footer.getInt(1024 + 8) != 0
                || footer.getInt(1024 + 12) != MARKER_END_OF_STREAM) {
            throw ImageException.corrupt(image, "gdOffset says the grain directory follows the stream, but the"
                    + " last three sectors are not a footer marker, footer and end-of-stream marker (at 0x"
                    + Long.toHexString(at) + ")");
        }
        return SparseHeader.parse(footer.position(512));
    }
}
