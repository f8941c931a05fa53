package org.aiofs.fs.kernel;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What INIT settled with the kernel.
 *
 * @param kernelMajor   the protocol the kernel offered (7)
 * @param kernelMinor   the protocol minor the kernel offered
 * @param minor         the protocol minor both sides speak (the smaller of the two)
 * @param flags         the INIT flags in force (flags2 in the upper 32 bits)
 * @param maxWrite      the largest WRITE (and READ) the kernel sends
 * @param maxBackground async requests (reads, async direct I/O) the kernel keeps in flight
 * @param granted       names of the features asked for and granted
 * @param refused       names of the features asked for that the kernel does not offer
 */
record Connection(int kernelMajor, int kernelMinor, int minor, long flags, int maxWrite, int maxBackground,
                  List<String> granted, List<String> refused) {

    /** Whether FUSE over io_uring was agreed: requests come from the io_uring queues once every queue has an entry. */
    boolean overIoUring() {
        return (flags & InitNegotiation.OVER_IO_URING) != 0;
    }

    Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("protocol", "7." + minor);
        m.put("kernel_protocol", kernelMajor + "." + kernelMinor);
        m.put("max_request_bytes", maxWrite);
        m.put("max_background", maxBackground);
        m.put("features", granted);
        m.put("refused_by_kernel", refused);
        return m;
    }
}
