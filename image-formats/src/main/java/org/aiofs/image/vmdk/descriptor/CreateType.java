package org.aiofs.image.vmdk.descriptor;

import org.aiofs.aio.nativeio.Errno;
import java.util.List;

import org.aiofs.image.ImageException;

/**
 * The createType of a descriptor file. Like QEMU, only the types whose extents live in other
 * files are opened from a descriptor file; monolithicSparse and streamOptimized carry their
 * descriptor inside the sparse file, and the device types (vmfsRaw, vmfsRDM, fullDevice,
 * partitionedDevice, ...) name host devices.
 */
public final class CreateType {
    public static final String MONOLITHIC_SPARSE = "monolithicSparse";
    public static final String STREAM_OPTIMIZED = "streamOptimized";
    /** What QEMU accepts in a descriptor file. */
    public static final List<String> DESCRIPTOR_FILE_TYPES = List.of("monolithicFlat", "vmfs", "vmfsSparse",
            "seSparse", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat");

    private CreateType() {
    }

    /** The createType of a descriptor file, checked against what aiofs (and QEMU) open. */
    public static String of(String image, DescriptorText descriptor) throws ImageException {
        String type = descriptor.quotedValue("createType");
        if (type == null) {
            throw ImageException.corrupt(image, "not a VMDK descriptor: no createType=\"...\"");
        }
        if (!DESCRIPTOR_FILE_TYPES.contains(type)) {
            throw new ImageException(image + ": VMDK createType \"" + ExtentLines.printable(type)
                    + "\" is not supported (a descriptor file may be one of " + String.join(", ",
                    DESCRIPTOR_FILE_TYPES) + ")", Errno.ENOTSUP);
        }
        return type;
    }
}
