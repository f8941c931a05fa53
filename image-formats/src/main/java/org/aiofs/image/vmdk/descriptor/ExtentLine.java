package org.aiofs.image.vmdk.descriptor;

/**
 * One extent of a descriptor: {@code RW 4194304 SPARSE "disk-s001.vmdk"} or
 * {@code RW 4194304 FLAT "disk-flat.vmdk" 0}.
 *
 * @param sectors    the extent's size in 512-byte sectors, as the line gives it
 * @param type       FLAT, VMFS, SPARSE, VMFSSPARSE or SESPARSE
 * @param fileName   the extent file, relative to the descriptor's folder unless absolute
 * @param flatOffset where a flat extent's data starts in its file, in sectors (0 for others)
 * @param line       the line as written, for messages
 */
public record ExtentLine(long sectors, String type, String fileName, long flatOffset, String line) {
    public static final String FLAT = "FLAT";
    public static final String VMFS = "VMFS";
    public static final String SPARSE = "SPARSE";
    public static final String VMFSSPARSE = "VMFSSPARSE";
    public static final String SESPARSE = "SESPARSE";

    /** FLAT and VMFS extents are plain bytes; the others have their own grain tables. */
    public boolean flat() {
        return type.equals(FLAT) || type.equals(VMFS);
    }
}
