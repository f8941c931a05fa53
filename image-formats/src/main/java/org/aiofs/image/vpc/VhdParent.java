package org.aiofs.image.vpc;

import org.aiofs.aio.nativeio.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.aiofs.aio.HostFile;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageException;
import org.aiofs.image.blockmap.MappedImage;
import org.aiofs.image.blockmap.ParentNames;
import org.aiofs.image.qcow2.MetadataReader;

/**
 * The parent of a differencing VHD: named by the header's parent_name (UTF-16BE) and by
 * parent locators -- "W2ru"/"W2ku" (relative/absolute Windows paths, UTF-16LE), "Wi2r"/"Wi2k"
 * (their older single-byte forms), "MacX" (a file URL, UTF-8). QEMU does not follow them (it
 * reads a differencing VHD as if it had no parent); aiofs does, as Hyper-V and VirtualBox do,
 * and refuses a parent whose unique id is not the one the child was made on.
 */
final class VhdParent {
    private static final int W2RU = 0x57327275;
    private static final int W2KU = 0x57326b75;
    private static final int WI2R = 0x57693272;
    private static final int WI2K = 0x5769326b;
    private static final int MACX = 0x4d616358;
    /** A locator's data is a path: a few KiB at most. */
    private static final int MAX_LOCATOR_BYTES = 64 << 10;

    private VhdParent() {
    }

    /** The recorded parent name that names an existing file on this host. */
    static String find(String image, HostFile file, MetadataReader meta, VhdDynamicHeader header, long fileSize)
            throws IOException {
        List<String> relative = new ArrayList<>();
        List<String> absolute = new ArrayList<>();
        for (VhdDynamicHeader.Locator l : header.locators()) {
            int code = l.platformCode();
            if (code != W2RU && code != W2KU && code != WI2R && code != WI2K && code != MACX) {
                continue; // "Mac " aliases and unknown platforms name nothing this host can open
            }
            String name = decode(image, meta, l, fileSize);
            (code == W2RU || code == WI2R ? relative : absolute).add(name);
        }
        List<String> recorded = new ArrayList<>(relative);
        recorded.add(header.parentName());
        recorded.addAll(absolute);
        List<String> candidates = ParentNames.candidates(recorded);
        String found = ParentNames.firstExisting(file.path(), candidates);
        if (found == null) {
            throw new ImageException(image + ": differencing VHD: parent not found (tried "
                    + (candidates.isEmpty() ? "nothing: no parent name recorded" : String.join(", ", candidates))
                    + ")", Errno.EIO);
        }
        return found;
    }

    private static String decode(String image, MetadataReader meta, VhdDynamicHeader.Locator l, long fileSize)
            throws IOException {
        int length = l.dataLength();
        long at = l.dataOffset();
        if (length < 0 || length > MAX_LOCATOR_BYTES || at < 0 || at > fileSize - length) {
            throw ImageException.corrupt(image, "VHD parent locator " + platform(l.platformCode()) + ": "
                    + Integer.toUnsignedString(length) + " bytes at 0x" + Long.toHexString(at)
                    + " lie outside the file or exceed " + MAX_LOCATOR_BYTES + " bytes");
        }
        byte[] raw = new byte[length];
        if (length > 0) {
            meta.read(at, length, "VHD parent locator").get(raw);
        }
        return switch (l.platformCode()) {
            case W2RU, W2KU -> ParentNames.utf16(raw, true);
            case MACX -> new String(raw, StandardCharsets.UTF_8).replace("\0", "");
            default -> new String(raw, StandardCharsets.ISO_8859_1).replace("\0", "");
        };
    }

    /** A VHD parent must be the disk the child was made on: same unique id as the header records. */
    static void checkIdentity(String image, String parentName, VhdDynamicHeader header, BlockImage parent)
            throws ImageException {
        byte[] wanted = header.parentUniqueId();
        if (!(parent instanceof MappedImage m) || !(m.map() instanceof VhdLayout layout)) {
            throw new ImageException(image + ": differencing VHD: parent " + parentName + " is not a VHD",
                    Errno.EINVAL);
        }
        if (!VhdOpener.sameId(wanted, new byte[16]) && !VhdOpener.sameId(wanted, layout.uniqueId())) {
            throw ImageException.corrupt(image, "differencing VHD: parent " + parentName + " has unique id "
                    + HexFormat.of().formatHex(layout.uniqueId()) + ", the child was made on "
                    + HexFormat.of().formatHex(wanted));
        }
    }

    private static String platform(int code) {
        byte[] b = ByteBuffer.allocate(4).putInt(code).array();
        return new String(b, StandardCharsets.ISO_8859_1).replaceAll("\\p{Cntrl}", "?");
    }
}
