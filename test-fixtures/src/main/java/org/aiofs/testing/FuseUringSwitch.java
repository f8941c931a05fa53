package org.aiofs.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fuse module's enable_uring parameter, set for a test and put back as it was: the kernel
 * reads it when it sends INIT, so it must be set before the mount. aiofs itself never writes
 * it; only tests do (as root), and always restore it ({@link #close}, also after a failure).
 */
public final class FuseUringSwitch implements AutoCloseable {
    public static final Path PARAMETER = Path.of("/sys/module/fuse/parameters/enable_uring");

    private final String before;

    private FuseUringSwitch(String before) {
        this.before = before;
    }

    /** Whether this kernel has the parameter at all (Linux 6.14+ with CONFIG_FUSE_IO_URING). */
    public static boolean exists() {
        return Files.exists(PARAMETER);
    }

    /** The parameter as it is now: "Y" or "N". */
    public static String current() {
        try (InputStream in = Files.newInputStream(PARAMETER)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sets the parameter to Y or N; {@link #close} restores the value it had. */
    public static FuseUringSwitch set(boolean enabled) {
        String before = current();
        write(enabled ? "Y" : "N");
        return new FuseUringSwitch(before);
    }

    private static void write(String value) {
        try {
            Files.writeString(PARAMETER, value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + PARAMETER + " (needs root)", e);
        }
    }

    @Override
    public void close() {
        write(before);
    }
}
