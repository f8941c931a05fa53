package org.aiofs.image.vhdx;

import org.aiofs.aio.nativeio.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.aiofs.aio.HostFile;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageException;
import org.aiofs.image.blockmap.MappedImage;
import org.aiofs.image.blockmap.ParentNames;

/**
 * The parent of a differencing VHDX: its locator's paths tried in the order the specification
 * gives (relative_path, volume_path, absolute_win32_path), each also by its last component in
 * the child's folder; the parent must be a VHDX whose current data-write GUID is the
 * locator's parent_linkage (or parent_linkage2), with the same logical sector size. QEMU
 * refuses differencing VHDX files; aiofs reads them.
 */
final class VhdxParent {
    private VhdxParent() {
    }

    static String find(String image, HostFile file, VhdxMetadata metadata) throws ImageException {
        Map<String, String> locator = metadata.parentLocator();
        if (!locator.containsKey("parent_linkage")) {
            throw ImageException.corrupt(image, "VHDX parent locator has no parent_linkage");
        }
        List<String> recorded = new ArrayList<>();
        for (String key : List.of("relative_path", "volume_path", "absolute_win32_path")) {
            String path = locator.get(key);
            if (path != null) {
                recorded.add(path.startsWith("\\\\?\\") ? path.substring(4) : path);
            }
        }
        List<String> candidates = ParentNames.candidates(recorded);
        String found = ParentNames.firstExisting(file.path(), candidates);
        if (found == null) {
            throw new ImageException(image + ": differencing VHDX: parent not found (tried "
                    + (candidates.isEmpty() ? "nothing: the locator has no path" : String.join(", ", candidates))
                    + ")", Errno.EIO);
        }
        return found;
    }

    static void checkIdentity(String image, String parentName, VhdxMetadata metadata, BlockImage parent)
            throws ImageException {
        if (!(parent instanceof MappedImage m) || !(m.map() instanceof VhdxLayout layout)) {
            throw new ImageException(image + ": differencing VHDX: parent " + parentName + " is not a VHDX",
                    Errno.EINVAL);
        }
        String guid = MsGuid.braced(layout.header().dataWriteGuid());
        Map<String, String> locator = metadata.parentLocator();
        if (!guid.equalsIgnoreCase(locator.get("parent_linkage"))
                && !guid.equalsIgnoreCase(locator.getOrDefault("parent_linkage2", ""))) {
            throw ImageException.corrupt(image, "differencing VHDX: parent " + parentName + " has data-write GUID "
                    + guid + ", the child's parent_linkage is " + locator.get("parent_linkage"));
        }
        if (layout.metadata().logicalSectorSize() != metadata.logicalSectorSize()) {
            throw ImageException.corrupt(image, "differencing VHDX: parent " + parentName + " has "
                    + layout.metadata().logicalSectorSize() + "-byte sectors, the child "
                    + metadata.logicalSectorSize());
        }
    }
}
