package org.aiofs.fs.mount;

import java.io.IOException;
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
 * A mount's pid file and logs in the {@link RuntimeDirectory}, named after the mountpoint
 * ({@code /mnt/vm} is {@code mnt-vm}), so `aiofs unmount DIR` finds
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
     * The mountpoint as a file name a shell takes as it is: '/' becomes '-' ({@code /mnt/vm} is
     * {@code mnt-vm}), anything but letters, digits, '.', '_' and '-' becomes '_'. When that
     * could stand for another path too ('-' or '_' in the path, or a character replaced), a
     * short hash of the path follows ({@code tmp-my-vm.3fa2c1}), so two mountpoints never share
     * a pid file. Very long paths keep their tail.
     */
    static String name(Path mountPoint) {
        String path = mountPoint.toString().replaceAll("^/+|/+$", "");
        StringBuilder b = new StringBuilder();
        boolean ambiguous = path.isEmpty();
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '/') {
                b.append('-');
            } else if (c < 128 && (Character.isLetterOrDigit(c) || c == '.' && i > 0)) {
                b.append(c);
            } else {
                ambiguous = true;
                b.append(c == '-' ? '-' : '_');
            }
        }
        String readable = b.length() > MAX_NAME ? b.substring(b.length() - MAX_NAME) : b.toString();
        if (!ambiguous && b.length() <= MAX_NAME) {
            return readable;
        }
        return readable + "." + String.format("%08x", mountPoint.toString().hashCode());
    }
}
