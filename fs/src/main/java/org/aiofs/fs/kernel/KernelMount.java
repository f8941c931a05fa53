package org.aiofs.fs.kernel;

import java.io.IOException;
import java.nio.file.Path;

import org.aiofs.aio.nativeio.Native;

/**
 * A FUSE mount made without libfuse. As root: the device is opened and handed to mount(2)
 * (fd=, rootmode=, user_id=, group_id=). As another user: fusermount3 (setuid root) mounts
 * and passes the device descriptor back ({@link FusermountHandOver}); with auto_unmount it
 * stays behind and unmounts if the server dies. A root mount has no such helper: the caller
 * starts aiofs's own watcher.
 */
public final class KernelMount implements AutoCloseable {
    private final FuseChannel channel;
    private final FusermountHandOver fusermount;

    private KernelMount(FuseChannel channel, FusermountHandOver fusermount) {
        this.channel = channel;
        this.fusermount = fusermount;
    }

    public static boolean runningAsRoot() {
        return DeviceCalls.INSTANCE.geteuid() == 0;
    }

    /**
     * Mounts {@code device} on {@code mountPoint}.
     *
     * @param fusermount the fusermount program a user's mount goes through (fusermount3)
     * @param scratchDir where fusermount3's error output is caught (the server's runtime directory)
     */
    public static KernelMount mount(Path mountPoint, KernelMountOptions options, String device, String fusermount,
                                    Path scratchDir) throws IOException {
        if (!runningAsRoot()) {
            FusermountHandOver handOver = FusermountHandOver.mount(mountPoint, options, fusermount, scratchDir);
            return new KernelMount(handOver.channel(), handOver);
        }
        FuseChannel channel = FuseChannel.open(device);
        DeviceCalls calls = DeviceCalls.INSTANCE;
        String data = options.kernelData(channel.fd(), calls.geteuid(), calls.getegid());
        if (calls.mount(options.fsName(), mountPoint.toString(), KernelMountOptions.TYPE, options.flags(), data) != 0) {
            int errno = Native.errno();
            channel.close();
            throw new IOException("cannot mount " + mountPoint + ": mount(2) failed: " + Native.describe(errno));
        }
        return new KernelMount(channel, null);
    }

    /** The mount's own descriptor on the device. */
    public FuseChannel channel() {
        return channel;
    }

    /** Whether a helper (fusermount3 with auto_unmount) already unmounts if the server dies. */
    public boolean watchedByFusermount() {
        return fusermount != null && fusermount.autoUnmount();
    }

    public String method() {
        return fusermount != null ? "fusermount3" : "mount(2)";
    }

    /** After the mount is gone: lets fusermount3 go (it finds nothing left to unmount) and closes the device. */
    @Override
    public void close() {
        if (fusermount != null) {
            fusermount.close();
        }
        channel.close();
    }
}
