package org.aiofs.fs.kernel;

import java.io.IOException;
import java.nio.file.Path;

import org.aiofs.aio.nativeio.Native;

/**
 * A FUSE mount made without libfuse. As root: the device is opened and handed to mount(2)
 * (fd=, rootmode=, user_id=, group_id=). As another user: fusermount3 (setuid root) mounts
 * and passes the device descriptor back ({@link FusermountHandOver}).
 */
public final class KernelMount implements AutoCloseable {
    private final FuseChannel channel;
    private final String method;

    private KernelMount(FuseChannel channel, String method) {
        this.channel = channel;
        this.method = method;
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
            return new KernelMount(FusermountHandOver.mount(mountPoint, options, fusermount, scratchDir), fusermount);
        }
        FuseChannel channel = FuseChannel.open(device);
        DeviceCalls calls = DeviceCalls.INSTANCE;
        String data = options.kernelData(channel.fd(), calls.geteuid(), calls.getegid());
        if (calls.mount(options.fsName(), mountPoint.toString(), KernelMountOptions.TYPE, options.flags(), data) != 0) {
            int errno = Native.errno();
            channel.close();
            throw new IOException("cannot mount " + mountPoint + ": mount(2) failed: " + Native.describe(errno));
        }
        return new KernelMount(channel, "mount(2)");
    }

    /** The mount's own descriptor on the device. */
    public FuseChannel channel() {
        return channel;
    }

    /** "mount(2)", or the fusermount program that made it. */
    public String method() {
        return method;
    }

    /** After the mount is gone: closes the device. */
    @Override
    public void close() {
        channel.close();
    }
}
