package org.aiofs.fs.kernel;

/**
 * The file the kernel may serve itself (FUSE passthrough), decided before mounting: a file
 * whose bytes are a whole host file at the same offsets (disk.raw of a raw image opened
 * buffered), with the server's descriptor on that host file; or, when there is none, why.
 *
 * @param inode   the node id of the file to pass through (0 when refused)
 * @param name    its name in the mount, for info.json and the log
 * @param hostFd  the server's descriptor on the image file, handed to FUSE_DEV_IOC_BACKING_OPEN
 * @param writes  writes too (else a writable open's reads and writes go through aiofs, which
 *                refuses a write past the end; the kernel's own writes would grow the file)
 * @param refusal why nothing is passed through, or null
 */
public record PassthroughCandidate(long inode, String name, int hostFd, boolean writes, String refusal) {
    public static PassthroughCandidate of(long inode, String name, int hostFd, boolean writes) {
        return new PassthroughCandidate(inode, name, hostFd, writes, null);
    }

    public static PassthroughCandidate refused(String reason) {
        return new PassthroughCandidate(0, null, -1, false, reason);
    }

    public boolean wanted() {
        return refusal == null;
    }
}
