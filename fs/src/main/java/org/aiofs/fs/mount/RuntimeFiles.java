package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Where a mount's server keeps its pid and its log: /run/aiofs when writable (root),
 * else $XDG_RUNTIME_DIR/aiofs, else the temp dir. Named by a hash of the mountpoint, so
 * `aiofs unmount DIR` finds the server that serves DIR.
 */
public final class RuntimeFiles {
    private final Path pidFile;
    private final Path logFile;
    private final Path statusFile;

    private RuntimeFiles(Path dir, String key) {
        this.pidFile = dir.resolve(key + ".pid");
        this.logFile = dir.resolve(key + ".log");
        this.statusFile = dir.resolve(key + ".status");
    }

    public static RuntimeFiles forMountPoint(Path mountPoint) throws IOException {
        Path dir = directory();
        Files.createDirectories(dir);
        return new RuntimeFiles(dir, key(mountPoint.toAbsolutePath().normalize().toString()));
    }

    public Path pidFile() {
        return pidFile;
    }

    public Path logFile() {
        return logFile;
    }

    /** How the server closed the image: see {@link CloseStatus}. */
    public Path statusFile() {
        return statusFile;
    }

    public void writePid(long pid) throws IOException {
        Files.writeString(pidFile, pid + "\n");
    }

    /** The server's pid if its pid file is there and that process still runs. */
    public Optional<ProcessHandle> server() {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    public void removePid() {
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // a stale pid file is harmless: the process it names is checked before use
        }
    }

    private static Path directory() {
        Path run = Path.of("/run");
        if (Files.isWritable(run)) {
            return run.resolve("aiofs");
        }
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "aiofs");
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "aiofs-" + System.getProperty("user.name"));
    }

    private static String key(String mountPoint) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(mountPoint.getBytes(StandardCharsets.UTF_8));
            return "mount-" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
