package org.aiofs.aio.nbd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real NBD server for a test, qemu-nbd or nbdkit, on a Unix socket or loopback TCP. Both
 * daemonize only once they listen, so {@link #start} returns when the server accepts
 * connections. {@link #stop}/{@link #kill} end it by its own pid (and wait until it is gone);
 * {@link #start} again serves the same export at the same address: a server restart.
 */
public final class NbdServer implements AutoCloseable {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(30);

    private final List<String> command;
    private final Path pidFile;
    private final Path socket;
    private final Path log;
    private final int port;
    private final String export;
    private long pid = -1;

    private NbdServer(List<String> command, Path pidFile, Path socket, Path log, int port, String export) {
        this.command = command;
        this.pidFile = pidFile;
        this.socket = socket;
        this.log = log;
        this.port = port;
        this.export = export;
    }

    /**
     * qemu-nbd serving {@code image} as export "disk", persistent, up to 16 clients (so it
     * advertises multi-conn); {@code extra} are more qemu-nbd options (-r, --cache=...).
     */
    public static NbdServer qemuNbd(Path dir, boolean tcp, Path image, String format, String... extra) {
        Path pid = dir.resolve("qemu-nbd-" + System.nanoTime() + ".pid");
        int port = tcp ? freePort() : -1;
        Path socket = tcp ? null : dir.resolve("qemu-nbd-" + System.nanoTime() + ".sock");
        List<String> cmd = new ArrayList<>(List.of("qemu-nbd", "--fork", "--pid-file", pid.toString(), "-t",
                "-e", "16", "-x", "disk", "-f", format));
        if (tcp) {
            cmd.addAll(List.of("-b", "127.0.0.1", "-p", String.valueOf(port)));
        } else {
            cmd.addAll(List.of("-k", socket.toString()));
        }
        cmd.addAll(List.of(extra));
        cmd.add(image.toString());
        return new NbdServer(cmd, pid, socket, dir.resolve(pid.getFileName() + ".log"), port, "disk");
    }

    /**
     * nbdkit with {@code arguments} = [--filter=F ...] PLUGIN [KEY=VALUE ...] [--tls=...]; the
     * export name is "disk" (the plugins used here serve any name).
     */
    public static NbdServer nbdkit(Path dir, boolean tcp, String... arguments) {
        Path pid = dir.resolve("nbdkit-" + System.nanoTime() + ".pid");
        int port = tcp ? freePort() : -1;
        Path socket = tcp ? null : dir.resolve("nbdkit-" + System.nanoTime() + ".sock");
        List<String> cmd = new ArrayList<>(List.of("nbdkit", "-P", pid.toString()));
        if (tcp) {
            cmd.addAll(List.of("-i", "127.0.0.1", "-p", String.valueOf(port)));
        } else {
            cmd.addAll(List.of("-U", socket.toString()));
        }
        cmd.addAll(List.of(arguments));
        return new NbdServer(cmd, pid, socket, dir.resolve(pid.getFileName() + ".log"), port, "disk");
    }

    /** Starts the server and returns once it listens. */
    public NbdServer start() {
        try {
            if (socket != null) {
                Files.deleteIfExists(socket); // left behind by a killed server
            }
            Files.deleteIfExists(pidFile);
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not start within 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + Files.readString(log));
            }
            pid = awaitPid();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The daemon's pid: nbdkit's child writes its pid file just after the parent has returned
     * (the socket already listens), so the file is checked until it holds a number.
     */
    private long awaitPid() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            if (Files.exists(pidFile)) {
                String text = Files.readString(pidFile, StandardCharsets.US_ASCII).trim();
                if (!text.isEmpty() && text.chars().allMatch(Character::isDigit)) {
                    return Long.parseLong(text);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(String.join(" ", command) + " wrote no pid file: " + log());
            }
            Thread.sleep(5);
        }
    }

    /** SIGTERM, then waits until the process is gone. */
    public void stop() {
        end(false);
    }

    /** SIGKILL: the server dies with whatever it had not written. */
    public void kill() {
        end(true);
    }

    private void end(boolean force) {
        if (pid < 0) {
            return;
        }
        ProcessHandle.of(pid).ifPresent(h -> {
            if (force) {
                h.destroyForcibly();
            } else {
                h.destroy();
            }
            try {
                h.onExit().get(EXIT_WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("server " + pid + " did not exit", e);
            }
        });
        pid = -1;
    }

    public boolean running() {
        return pid >= 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** nbd+unix:///disk?socket=... or nbd://127.0.0.1:PORT/disk, with {@code query} (k=v&...) appended. */
    public String uri(String query) {
        String q = query == null || query.isEmpty() ? "" : query;
        if (socket != null) {
            return "nbd+unix:///" + export + "?socket=" + socket + (q.isEmpty() ? "" : "&" + q);
        }
        return "nbd://127.0.0.1:" + port + "/" + export + (q.isEmpty() ? "" : "?" + q);
    }

    public String uri() {
        return uri("");
    }

    /** The same server address with another scheme ("nbds") or export name. */
    public String uri(String scheme, String exportName, String query) {
        String q = query == null || query.isEmpty() ? "" : query;
        if (socket != null) {
            return scheme + "+unix:///" + exportName + "?socket=" + socket + (q.isEmpty() ? "" : "&" + q);
        }
        return scheme + "://127.0.0.1:" + port + "/" + exportName + (q.isEmpty() ? "" : "?" + q);
    }

    public int port() {
        return port;
    }

    public Path socket() {
        return socket;
    }

    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        end(false);
        try {
            if (socket != null) {
                Files.deleteIfExists(socket);
            }
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loopback port nothing listens on now (the server binds it right after). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
