package org.aiofs.fs.mount;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
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
    private static final int STAMP_LENGTH = "yyyyMMdd-HHmmss".length();
    private static final Pattern LOG_SUFFIX = Pattern.compile("\\d{8}-\\d{6}(-\\d+)?");

    /** Locks released by the end of the process: unreachable, a channel could be closed early by a cleaner. */
    private static final List<FileChannel> HELD_UNTIL_EXIT = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final Path dir;
    private final String name;

    private RuntimeFiles(Path dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    public static RuntimeFiles forMountPoint(Path mountPoint) throws IOException {
        return in(RuntimeDirectory.get(), mountPoint);
    }

    /** A mountpoint's files in a given directory (tests use their own). */
    static RuntimeFiles in(Path dir, Path mountPoint) {
        return new RuntimeFiles(dir, name(mountPoint.toAbsolutePath().normalize()));
    }

    public Path pidFile() {
        return dir.resolve(name + ".pid");
    }

    /** A new, empty log (0600) for a mount about to start; older logs of this mountpoint beyond the kept ones go. */
    public Path newLogFile() throws IOException {
        String stamp = LocalDateTime.now().format(STAMP);
        int n = 1 + logs().stream().filter(l -> stamp(l).equals(stamp)).mapToInt(this::sameSecondNumber).max()
                .orElse(0);
        for (; ; n++) {
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
            logs.sort(Comparator.comparing(this::stamp).thenComparingInt(this::sameSecondNumber));
            return logs;
        }
    }

    private boolean isOurLog(Path p) {
        String f = p.getFileName().toString();
        return f.startsWith(name + ".") && f.endsWith(".log") && LOG_SUFFIX.matcher(suffix(p)).matches();
    }

    /** "20261129-143500" or "20261129-143500-2" of a log's name. */
    private String suffix(Path log) {
        String f = log.getFileName().toString();
        return f.substring(name.length() + 1, f.length() - ".log".length());
    }

    private String stamp(Path log) {
        return suffix(log).substring(0, STAMP_LENGTH);
    }

    private int sameSecondNumber(Path log) {
        String s = suffix(log);
        return s.length() == STAMP_LENGTH ? 1 : Integer.parseInt(s.substring(STAMP_LENGTH + 1));
    }

    private void pruneLogs() throws IOException {
        List<Path> logs = logs();
        for (int i = 0; i < logs.size() - LOGS_KEPT; i++) {
            Files.deleteIfExists(logs.get(i));
        }
    }

    /**
     * Writes this server's pid and keeps the pid file locked until this process ends, whatever
     * way: {@link #awaitServerExit} waits for that, with no polling, and a server that ended
     * but was never reaped (a zombie, under a PID 1 that reaps nothing) counts as gone, since
     * its files are closed.
     */
    public void markRunning(long pid) throws IOException {
        FileChannel channel = FileChannel.open(pidFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            channel.lock();
            channel.write(ByteBuffer.wrap((pid + "\n").getBytes(StandardCharsets.US_ASCII)));
            HELD_UNTIL_EXIT.add(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Waits until the server that marked this mountpoint running has ended (its lock on the pid
     * file is gone; the server leaves the file, `aiofs unmount` removes it); true at once when
     * there is no pid file.
     */
    public boolean awaitServerExit(Duration timeout) throws IOException, InterruptedException {
        FileChannel channel;
        try {
            channel = FileChannel.open(pidFile(), StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            return true; // removed after the image was closed
        }
        try (channel) {
            CompletableFuture<Void> released = new CompletableFuture<>();
            Thread waiter = new Thread(() -> {
                try (FileLock lock = channel.lock()) {
                    released.complete(null);
                } catch (IOException e) {
                    released.completeExceptionally(e);
                }
            }, "aiofs-await-server");
            waiter.setDaemon(true);
            waiter.start();
            try {
                released.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return true;
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                throw new IOException("waiting for the server's lock on " + pidFile() + ": " + e.getCause(), e);
            }
        }
    }

    /** The FIFO a background server reports on until it serves (see {@link BackgroundMount}). */
    public Path readyFifo() {
        return dir.resolve(name + ".ready");
    }

    /** How the server closed the image: see {@link CloseStatus}. */
    public Path statusFile() {
        return dir.resolve(name + ".status");
    }

    /** The directory these files are in (the kernel transport keeps its fusermount socket there). */
    public Path directory() {
        return dir;
    }

    /** This mountpoint's newest log, if any. */
    public Optional<Path> latestLog() throws IOException {
        List<Path> logs = logs();
        return logs.isEmpty() ? Optional.empty() : Optional.of(logs.get(logs.size() - 1));
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
