package org.aiofs.image.qcow2.create;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.aiofs.image.ImageSize;
import org.aiofs.image.qcow2.Qcow2Header;

/**
 * What a new qcow2 image looks like: qemu-img create's {@code -o} options (cluster_size,
 * compression_type, extended_l2, refcount_bits, lazy_refcounts, compat) plus the backing
 * file and its format. Defaults are QEMU's: 64 KiB clusters, zlib, 16-bit refcounts, v3.
 */
public record Qcow2CreateOptions(long virtualSize, int clusterSize, int version, int compressionType,
        boolean extendedL2, int refcountBits, boolean lazyRefcounts, String backingFile, String backingFormat) {

    public static final int DEFAULT_CLUSTER_SIZE = 64 * 1024;

    public static Qcow2CreateOptions defaults(long virtualSize) {
        return new Qcow2CreateOptions(virtualSize, DEFAULT_CLUSTER_SIZE, 3, Qcow2Header.COMPRESSION_ZLIB, false, 16,
                false, null, null);
    }

    /** Applies -o options; unknown ones are refused by name. */
    public Qcow2CreateOptions with(Map<String, String> options) {
        Qcow2CreateOptions o = this;
        for (Map.Entry<String, String> e : options.entrySet()) {
            String v = e.getValue();
            o = switch (e.getKey()) {
                case "cluster_size" -> o.withClusterSize(ImageSize.parse(v));
                case "compression_type" -> o.withCompression(switch (v) {
                    case "zlib" -> Qcow2Header.COMPRESSION_ZLIB;
                    case "zstd" -> Qcow2Header.COMPRESSION_ZSTD;
                    default -> throw new IllegalArgumentException("compression_type must be zlib or zstd, not " + v);
                });
                case "extended_l2" -> o.withExtendedL2(onOff(e.getKey(), v));
                case "lazy_refcounts" -> o.withLazyRefcounts(onOff(e.getKey(), v));
                case "refcount_bits" -> o.withRefcountBits(integer(e.getKey(), v));
                case "compat" -> o.withVersion(switch (v) {
                    case "0.10", "v2" -> 2;
                    case "1.1", "v3" -> 3;
                    default -> throw new IllegalArgumentException("compat must be 0.10 or 1.1, not " + v);
                });
                case "size" -> o.withVirtualSize(ImageSize.parse(v));
                case "backing_file" -> o.withBacking(v, o.backingFormat);
                case "backing_fmt" -> o.withBacking(o.backingFile, v);
                default -> throw new IllegalArgumentException("qcow2 option '" + e.getKey() + "' is not supported"
                        + " (supported: cluster_size, compression_type, extended_l2, refcount_bits, lazy_refcounts,"
                        + " compat, size, backing_file, backing_fmt)");
            };
        }
        return o;
    }

    private static boolean onOff(String key, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new IllegalArgumentException(key + " must be on or off, not " + v);
        };
    }

    private static int integer(String key, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, not " + v);
        }
    }

    public Qcow2CreateOptions withVirtualSize(long size) {
        return new Qcow2CreateOptions(size, clusterSize, version, compressionType, extendedL2, refcountBits,
                lazyRefcounts, backingFile, backingFormat);
    }

    public Qcow2CreateOptions withClusterSize(long size) {
        if (size < 512 || size > (1 << Qcow2Header.MAX_CLUSTER_BITS) || Long.bitCount(size) != 1) {
            throw new IllegalArgumentException("Cluster size must be a power of two between 512 and 2048k");
        }
        return new Qcow2CreateOptions(virtualSize, (int) size, version, compressionType, extendedL2, refcountBits,
                lazyRefcounts, backingFile, backingFormat);
    }

    public Qcow2CreateOptions withVersion(int v) {
        return new Qcow2CreateOptions(virtualSize, clusterSize, v, compressionType, extendedL2, refcountBits,
                lazyRefcounts, backingFile, backingFormat);
    }

    public Qcow2CreateOptions withCompression(int type) {
        return new Qcow2CreateOptions(virtualSize, clusterSize, version, type, extendedL2, refcountBits,
                lazyRefcounts, backingFile, backingFormat);
    }

    public Qcow2CreateOptions withExtendedL2(boolean on) {
        return new Qcow2CreateOptions(virtualSize, clusterSize, version, compressionType, on, refcountBits,
                lazyRefcounts, backingFile, backingFormat);
    }

    public Qcow2CreateOptions withRefcountBits(int bits) {
        if (bits < 1 || bits > 64 || Integer.bitCount(bits) != 1) {
            throw new IllegalArgumentException("Refcount width must be a power of two and may not exceed 64 bits");
        }
        return new Qcow2CreateOptions(virtualSize, clusterSize, version, compressionType, extendedL2, bits,
                lazyRefcounts, backingFile, backingFormat);
    }

    public Qcow2CreateOptions withLazyRefcounts(boolean on) {
        return new Qcow2CreateOptions(virtualSize, clusterSize, version, compressionType, extendedL2, refcountBits,
                on, backingFile, backingFormat);
    }

    public Qcow2CreateOptions withBacking(String file, String format) {
        return new Qcow2CreateOptions(virtualSize, clusterSize, version, compressionType, extendedL2, refcountBits,
                lazyRefcounts, file, format);
    }

    /** The cross-option rules qemu-img enforces, with its messages. */
    public void validate() {
        if (version == 2) {
            if (lazyRefcounts) {
                throw new IllegalArgumentException("Lazy refcounts only supported with compatibility level 1.1 and"
                        + " above (use compat=1.1 or greater)");
            }
            if (refcountBits != 16) {
                throw new IllegalArgumentException("Different refcount widths than 16 bits require compatibility"
                        + " level 1.1 or above (use compat=1.1 or greater)");
            }
            if (compressionType != Qcow2Header.COMPRESSION_ZLIB) {
                throw new IllegalArgumentException("Non-zlib compression type is only supported with compatibility"
                        + " level 1.1 and above (use compat=1.1 or greater)");
            }
            if (extendedL2) {
                throw new IllegalArgumentException("Extended L2 entries are only supported with compatibility level"
                        + " 1.1 and above (use compat=1.1 or greater)");
            }
        }
        if (extendedL2 && clusterSize < 16384) {
            throw new IllegalArgumentException("Extended L2 entries are only supported with cluster sizes of at least"
                    + " 16384 bytes");
        }
        if (virtualSize < 0) {
            throw new IllegalArgumentException("Image size must be given (or a backing file to take it from)");
        }
        if (backingFormat != null && backingFile == null) {
            throw new IllegalArgumentException("a backing format needs a backing file");
        }
        if (backingFile != null && backingFile.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                > Qcow2Header.MAX_BACKING_NAME) {
            throw new IllegalArgumentException("backing file name longer than " + Qcow2Header.MAX_BACKING_NAME
                    + " bytes");
        }
    }

    public int clusterBits() {
        return Integer.numberOfTrailingZeros(clusterSize);
    }

    public int refcountOrder() {
        return Integer.numberOfTrailingZeros(refcountBits);
    }
}
