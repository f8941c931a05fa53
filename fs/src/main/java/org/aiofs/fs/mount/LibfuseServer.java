package org.aiofs.fs.mount;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.aiofs.fs.ImageFileSystem;
import org.aiofs.fs.fuse.JnrFuseBinding;
import ru.serce.jnrfuse.FuseException;

/** {@code --transport libfuse2}: libfuse 2's own loop (through jnr-fuse) mounts and serves. */
final class LibfuseServer implements FuseServer {
    private final JnrFuseBinding binding;
    private final Path mountPoint;
    private final MountOptions options;

    LibfuseServer(ImageFileSystem fs, Path mountPoint, MountOptions options) {
        this.binding = new JnrFuseBinding(fs, "aiofs");
        this.mountPoint = mountPoint;
        this.options = options;
    }

    @Override
    public void serve() throws MountException {
        try {
            binding.mount(mountPoint, true, false, options.libfuseArguments());
        } catch (FuseException e) {
            throw new MountException("cannot mount " + mountPoint + ": libfuse refused", e);
        } finally {
            binding.markUnmounted();
        }
    }

    @Override
    public CountDownLatch initialized() {
        return binding.initialized();
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", Transport.LIBFUSE2.label());
        m.put("protocol", "7.19 (libfuse 2)");
        m.put("max_request_bytes", 131072);
        m.put("readers", options.singleThreaded() ? "1 (libfuse -s)" : "libfuse's thread pool");
        return m;
    }
}
