package org.aiofs.image.qcow2;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.ImageException;

/**
 * The header extensions that follow the header inside the first cluster: backing format,
 * feature names, external data file name, bitmaps. Unknown extensions are skipped, as the spec says.
 *
 * @param bitmapsExtension the bitmaps extension's fields as stored (unchecked), or null when absent
 */
public record HeaderExtensions(String backingFormat, String dataFile, Map<String, String> featureNames,
        BitmapsExtension bitmapsExtension, int unknownCount) {

    /** nb_bitmaps, bitmap_directory_size and bitmap_directory_offset; all 0 when the extension is too short. */
    public record BitmapsExtension(long length, int count, long directorySize, long directoryOffset) {
    }

    public boolean bitmaps() {
        return bitmapsExtension != null;
    }

    public static final int END = 0;
    public static final int BACKING_FORMAT = 0xe2792aca;
    public static final int FEATURE_NAMES = 0x6803f857;
    public static final int BITMAPS = 0x23852875;
    public static final int ENCRYPTION = 0x0537be77;
    public static final int DATA_FILE = 0x44415441;
    /** Longest string we accept in an extension (QEMU caps backing format and names at 1023). */
    private static final int MAX_STRING = 1023;

    /**
     * @param firstCluster the image's first cluster (or the whole file when shorter)
     */
    public static HeaderExtensions parse(String image, ByteBuffer firstCluster, int start) throws ImageException {
        String backingFormat = null;
        String dataFile = null;
        Map<String, String> names = new TreeMap<>();
        BitmapsExtension bitmaps = null;
        int unknown = 0;
        int end = firstCluster.limit();
        int pos = start;
        while (true) {
            if (pos + 8 > end) {
                // v2 images may have no end marker when nothing follows the header
                if (pos == start || pos == end) {
                    break;
                }
                throw ImageException.corrupt(image, "header extension at " + pos + " runs past the first cluster");
            }
            int type = firstCluster.getInt(pos);
            long length = Integer.toUnsignedLong(firstCluster.getInt(pos + 4));
            if (type == END) {
                break;
            }
            int data = pos + 8;
            if (length > end - data) {
                throw ImageException.corrupt(image, "header extension 0x" + Integer.toHexString(type) + " length "
                        + length + " runs past the first cluster");
            }
            int len = (int) length;
            switch (type) {
                case BACKING_FORMAT -> backingFormat = string(image, "backing format extension", firstCluster, data, len);
                case DATA_FILE -> dataFile = string(image, "external data file name extension", firstCluster, data, len);
                case FEATURE_NAMES -> featureNames(firstCluster, data, len, names);
                case BITMAPS -> bitmaps = len < 24 ? new BitmapsExtension(len, 0, 0, 0)
                        : new BitmapsExtension(len, firstCluster.getInt(data), firstCluster.getLong(data + 8),
                                firstCluster.getLong(data + 16));
                case ENCRYPTION -> throw new ImageException(image + ": encrypted images are not supported",
                        Errno.ENOTSUP);
                default -> unknown++;
            }
            pos = data + ((len + 7) & ~7);
        }
        return new HeaderExtensions(backingFormat, dataFile, Map.copyOf(names), bitmaps, unknown);
    }

    private static String string(String image, String what, ByteBuffer b, int at, int len) throws ImageException {
        if (len > MAX_STRING) {
            throw ImageException.corrupt(image, what + " is " + len + " bytes long (at most " + MAX_STRING + ")");
        }
        byte[] bytes = new byte[len];
        b.get(at, bytes);
        int n = 0;
        while (n < len && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    /** 48-byte entries: type (0 incompatible, 1 compatible, 2 autoclear), bit number, 46-byte name. */
    private static void featureNames(ByteBuffer b, int at, int len, Map<String, String> names) {
        for (int e = at; e + 48 <= at + len; e += 48) {
            int type = b.get(e) & 0xff;
            int bit = b.get(e + 1) & 0xff;
            byte[] raw = new byte[46];
            b.get(e + 2, raw);
            int n = 0;
            while (n < 46 && raw[n] != 0) {
                n++;
            }
            String kind = switch (type) {
                case 0 -> "incompatible";
                case 1 -> "compatible";
                case 2 -> "autoclear";
                default -> "type" + type;
            };
            names.put(kind + ":" + bit, new String(raw, 0, n, StandardCharsets.UTF_8));
        }
    }
}
