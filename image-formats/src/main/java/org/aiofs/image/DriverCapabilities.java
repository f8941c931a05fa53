package org.aiofs.image;

/**
 * What a format driver can do, as data: callers read these instead of testing the driver's name.
 *
 * @param writable         images of this format can be opened for writing
 * @param writeZeroes      zeroing is done in the format's metadata (no data written)
 * @param discard          discarded ranges release storage
 * @param snapshots        internal snapshots are shown (read-only)
 * @param backing          images may read through a backing image
 * @param check            {@link ImageDriver#check} is implemented
 * @param create           {@link ImageDriver#create} is implemented
 * @param probeForWriting  a probed image may be opened for writing (false for raw: a guest
 *                         could write another format's header into it, and the next probe
 *                         would trust it)
 */
public record DriverCapabilities(boolean writable, boolean writeZeroes, boolean discard, boolean snapshots,
        boolean backing, boolean check, boolean create, boolean probeForWriting) {
}
