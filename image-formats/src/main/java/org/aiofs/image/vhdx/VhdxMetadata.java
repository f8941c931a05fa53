package org.aiofs.image.vhdx;

import org.aiofs.aio.nativeio.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.aiofs.image.ImageException;
import org.aiofs.image.blockmap.ParentNames;
import org.aiofs.image.qcow2.MetadataReader;

/**
 * The VHDX metadata region: a 64 KiB table of items, of which five are required (file
 * parameters, virtual disk size, virtual disk id, logical and physical sector size) and one,
 * the parent locator, belongs to differencing files. An unknown item marked required is
 * refused. Each item must lie inside the region.
 *
 * @param parentLocator the VHDX parent locator's key/value pairs, or null without a parent
 */
record VhdxMetadata(int blockSize, boolean hasParent, long virtualSize, int logicalSectorSize,
        int physicalSectorSize, Map<String, String> parentLocator) {

    private static final int TABLE_SIZE = 64 << 10;
    private static final long SIGNATURE = 0x617461646174656dL; // "metadata"
    private static final int MAX_ENTRIES = 2047;
    static final long MAX_DISK_SIZE = 64L << 40;
    private static final byte[] FILE_PARAMETERS = MsGuid.of("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");
    private static final byte[] VIRTUAL_DISK_SIZE = MsGuid.of("2FA54224-CD1B-4876-B211-5DBED83BF4B8");
    private static final byte[] VIRTUAL_DISK_ID = MsGuid.of("BECA12AB-B2E6-4523-93EF-C309E000C746");
    private static final byte[] LOGICAL_SECTOR_SIZE = MsGuid.of("8141BF1D-A96F-4709-BA47-F233A8FAAB5F");
    private static final byte[] PHYSICAL_SECTOR_SIZE = MsGuid.of("CDA348C7-445D-4471-9CC9-E9885251C556");
    private static final byte[] PARENT_LOCATOR = MsGuid.of("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C");
    private static final byte[] VHDX_PARENT_TYPE = MsGuid.of("B04AEFB7-D19E-4A81-B789-25B8E9445913");
    private static final List<byte[]> REQUIRED = List.of(FILE_PARAMETERS, VIRTUAL_DISK_SIZE, VIRTUAL_DISK_ID,
            LOGICAL_SECTOR_SIZE, PHYSICAL_SECTOR_SIZE);
    private static final List<String> NAMES = List.of("file parameters", "virtual disk size", "virtual disk id",
            "logical sector size", "physical sector size");
    private static final int[] LENGTHS = {8, 8, 16, 4, 4};

    static VhdxMetadata read(String image, MetadataReader meta, VhdxRegionTable regions) throws IOException {
        long base = regions.metadataOffset();
        long regionLength = regions.metadataLength();
        ByteBuffer table = meta.read(base, TABLE_SIZE, "VHDX metadata table").order(ByteOrder.LITTLE_ENDIAN);
        if (table.getLong(0) != SIGNATURE) {
            throw ImageException.corrupt(image, "VHDX metadata table: no \"metadata\" signature");
        }
        int count = table.getShort(10) & 0xffff;
        if (count > MAX_ENTRIES) {
            throw ImageException.corrupt(image, "VHDX metadata table: entry_count " + count + " exceeds " + MAX_ENTRIES);
        }
        ByteBuffer[] items = new ByteBuffer[REQUIRED.size()];
        ByteBuffer locator = null;
        for (int i = 0; i < count; i++) {
            int at = 32 + i * 32;
            byte[] id = new byte[16];
            table.get(at, id);
            long offset = Integer.toUnsignedLong(table.getInt(at + 16));
            long length = Integer.toUnsignedLong(table.getInt(at + 20));
            int flags = table.getInt(at + 24);
            boolean user = (flags & 1) != 0;
            int known = user ? -1 : indexOf(id);
            boolean isLocator = !user && Arrays.equals(id, PARENT_LOCATOR);
            if (known < 0 && !isLocator) {
                if ((flags & 4) != 0) {
                    throw new ImageException(image + ": VHDX metadata table: entry " + i + " is a required item of an"
                            + " unknown kind " + MsGuid.braced(id), Errno.ENOTSUP);
                }
                continue;
            }
            String name = isLocator ? "parent locator" : NAMES.get(known);
            if (isLocator ? locator != null : items[known] != null) {
                throw ImageException.corrupt(image, "VHDX metadata table names the " + name + " item twice");
            }
            if (offset < TABLE_SIZE || length > (1 << 20) || offset + length > regionLength
                    || (!isLocator && length != LENGTHS[known])) {
                throw ImageException.corrupt(image, "VHDX metadata item " + name + ": " + length + " bytes at offset "
                        + offset + " of the metadata region (" + regionLength + " bytes) is not where or what it"
                        + " must be");
            }
            ByteBuffer item = meta.read(base + offset, (int) length, "VHDX metadata item " + name)
                    .order(ByteOrder.LITTLE_ENDIAN);
            if (isLocator) {
                locator = item;
            } else {
                items[known] = item;
            }
        }
        for (int k = 0; k < items.length; k++) {
            if (items[k] == null) {
                throw ImageException.corrupt(image, "VHDX metadata table has no " + NAMES.get(k) + " item");
            }
        }
        return parseItems(image, items, locator);
    }

    private static VhdxMetadata parseItems(String image, ByteBuffer[] items, ByteBuffer locator)
            throws ImageException {
        int blockSize = items[0].getInt(0);
        int flags = items[0].getInt(4);
        boolean hasParent = (flags & 2) != 0;
        if (blockSize < (1 << 20) || blockSize > (256 << 20) || Integer.bitCount(blockSize) != 1) {
            throw ImageException.corrupt(image, "VHDX file parameters: block_size " + Integer.toUnsignedString(blockSize)
                    + " is not a power of two from 1 MiB to 256 MiB");
        }
        int logical = items[3].getInt(0);
        int physical = items[4].getInt(0);
        for (int s : new int[] {logical, physical}) {
            if (s != 512 && s != 4096) {
                throw ImageException.corrupt(image, "VHDX " + (s == logical ? "logical" : "physical") + " sector size "
                        + Integer.toUnsignedString(s) + " is neither 512 nor 4096");
            }
        }
        long size = items[1].getLong(0);
        if (size < 0 || size > MAX_DISK_SIZE || size % logical != 0) {
            throw ImageException.corrupt(image, "VHDX virtual disk size " + Long.toUnsignedString(size)
                    + " is not a multiple of the " + logical + "-byte sector up to 64 TiB");
        }
        Map<String, String> parent = null;
        if (hasParent) {
            if (locator == null) {
                throw ImageException.corrupt(image, "VHDX file parameters say the disk has a parent, but the metadata"
                        + " has no parent locator");
            }
            parent = parentLocator(image, locator);
        }
        return new VhdxMetadata(blockSize, hasParent, size, logical, physical, parent);
    }

    /** The locator's key/value pairs (UTF-16LE strings at offsets inside the item). */
    private static Map<String, String> parentLocator(String image, ByteBuffer item) throws ImageException {
        if (item.capacity() < 20) {
            throw ImageException.corrupt(image, "VHDX parent locator is too short (" + item.capacity() + " bytes)");
        }
        byte[] type = new byte[16];
        item.get(0, type);
        if (!Arrays.equals(type, VHDX_PARENT_TYPE)) {
            throw new ImageException(image + ": VHDX parent locator of type " + MsGuid.braced(type)
                    + " is not supported (only VHDX parents)", Errno.ENOTSUP);
        }
        int count = item.getShort(18) & 0xffff;
        if (20L + count * 12L > item.capacity()) {
            throw ImageException.corrupt(image, "VHDX parent locator: " + count + " entries do not fit its "
                    + item.capacity() + " bytes");
        }
        Map<String, String> pairs = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            int at = 20 + i * 12;
            String key = string(image, item, item.getInt(at), item.getShort(at + 8) & 0xffff, "key " + i);
            String value = string(image, item, item.getInt(at + 4), item.getShort(at + 10) & 0xffff, "value " + i);
            pairs.put(key, value);
        }
        return pairs;
    }

    private static String string(String image, ByteBuffer item, int offset, int length, String what)
            throws ImageException {
        if (offset <= 0 || length <= 0 || length % 2 != 0 || (long) offset + length > item.capacity()) {
            throw ImageException.corrupt(image, "VHDX parent locator " + what + ": " + length + " bytes at "
                    + Integer.toUnsignedString(offset) + " lie outside the " + item.capacity() + "-byte item");
        }
        byte[] raw = new byte[length];
        item.get(offset, raw);
        return ParentNames.utf16(raw, true);
    }

    private static int indexOf(byte[] id) {
        for (int k = 0; k < REQUIRED.size(); k++) {
            if (Arrays.equals(id, REQUIRED.get(k))) {
                return k;
            }
        }
        return -1;
    }

    /** Payload blocks per sector bitmap block: 2^23 sectors of bitmap, each covering a logical sector. */
    long chunkRatio() {
        return (1L << 23) * logicalSectorSize / blockSize;
    }
}
