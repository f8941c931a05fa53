package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A mount's pid file and logs in the {@link RuntimeDirectory}, named after the mountpoint as
 * systemd names mount units ({@code /mnt/vm} is {@code mnt-vm}), so `aiofs unmount DIR` finds
 * the server that serves DIR and a user finds its log. Each mount gets a log of its own
 * ({@code mnt-vm.20261129-143500.log}); the last {@value #LOGS_KEPT} per mountpoint are kept.
 */
public final class RuntimeFiles {
    static final int LOGS_KEPT = 10;
    /** Room for the time stamp and suffix within a file name's 255 bytes. */
    private static final int MAX_NAME = 200;
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Path dir;
    private final String name;

    private RuntimeFiles(Path dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    public static RuntimeFiles forMountPoint(Path mountPoint) throws IOException {
        return new RuntimeFiles(RuntimeDirectory.get(), name(mountPoint.toAbsolutePath().normalize()));
    }

    public Path pidFile() {
        return dir.resolve(name + ".pid");
    }

    /** A new, empty log (0600) for a mount about to start; older logs of this mountpoint beyond the kept ones go. */
    public Path newLogFile() throws IOException {
        String stamp = LocalDateTime.now().format(STAMP);
        for (int n = 1; ; n++) {
            Path log = dir.resolve(name + "." + stamp + (n == 1 ? "" : "-" + n) + ".log");
            try {
                Files.createFile(log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                pruneLogs();
                return log;
            } catch (FileAlreadyExistsException e) {
                // another mount of this mountpoint started in the same second
            }
        }
    }

    /** This mountpoint's logs, oldest first. */
    List<Path> logs() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> logs = new ArrayList<>(files.filter(this::isOurLog).toList());
            logs.sort(Comparator.comparing(RuntimeFiles::modified).thenComparing(Path::toString));
            return logs;
        }
    }

    private boolean isOurLog(Path p) {
        String f = p.getFileName().toString();
        return f.startsWith(name + ".") && f.endsWith(".log")
                && f.substring(name.length() + 1, f.length() - 4).matches("\\d{8}-\\d{6}(-\\d+)?");
    }

    private void pruneLogs() throws IOException {
        List<Path> logs = logs();
        for (int i = 0; i < logs.size() - LOGS_KEPT; i++) {
            Files.deleteIfExists(logs.get(i));
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    public void writePid(long pid) throws IOException {
        Files.writeString(pidFile(), pid + "\n");
    }

    /** The server's pid if its pid file is there and that process still runs. */
    public Optional<ProcessHandle> server() {
        try {
            long pid = Long.parseLong(Files.readString(pidFile()).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    public void removePid() {
        try {
            Files.deleteIfExists(pidFile());
        } catch (IOException ignored) {
            // a stale pid file is harmless: the process it names is checked before use
        }
    }

    /**
     * The mountpoint as systemd-escape --path writes it: '/' separates with '-', and '-', '\'
     * and anything but letters, digits, '_' and a non-leading '.' are \xNN. Very long paths
     * keep their tail and a hash, so the name stays unique and fits a file name.
     */
    static String name(Path mountPoint) {
        String path = mountPoint.toString().replaceAll("^/+|/+$", "");
        if (path.isEmpty()) {
            return "-";
        }
        StringBuilder b = new StringBuilder();
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int c = bytes[i] & 0xff;
            if (c == '/') {
                b.append('-');
            } else if (Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == '.' && i > 0) {
                b.append((char) c);
            } else {
                b.append(String.format("\\x%02x", c));
            }
        }
        if (b.length() <= MAX_NAME) {
            return b.toString();
        }
        String hash = Integer.toHexString(b.toString().hashCode());
        return b.substring(b.length() - (MAX_NAME - hash.length() - 1)) + "-" + hash;
    }
}
