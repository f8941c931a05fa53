package org.aiofs.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.aiofs.testing.Tool;

/** Runs external programs (qemu-img, mkfs, the aiofs CLI) through the shared {@link Tool}, with a timeout. */
public final class Commands {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private Commands() {
    }

    public static Tool.Result run(String... command) {
        return run(Map.of(), List.of(command));
    }

    public static Tool.Result run(Map<String, String> env, List<String> command) {
        return Tool.run(null, TIMEOUT, env, null, command);
    }

    /** Runs a command in {@code dir} (qemu-img resolves a relative data_file= against its working directory). */
    public static Tool.Result runIn(Path dir, String... command) {
        return Tool.run(dir, TIMEOUT, Map.of(), null, List.of(command));
    }

    /** Runs a command with {@code input} on its standard input. */
    public static Tool.Result runWithInput(String input, String... command) {
        return Tool.run(null, TIMEOUT, Map.of(), input, List.of(command));
    }

    /** The aiofs CLI, run from the jar the fs module built, as a user runs it. */
    public static Tool.Result aiofs(String... args) {
        return aiofs(Map.of(), args);
    }

    public static Tool.Result aiofs(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", aiofsJar().toString(), "org.aiofs.fs.cli.AiofsCommand"));
        command.addAll(withTransport(args));
        return run(env, command);
    }

    /**
     * The suite runs once per FUSE transport: {@code aiofs.transport} (set by each surefire
     * execution) is given to every mount that does not name one itself.
     */
    static List<String> withTransport(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        boolean named = all.stream().anyMatch(a -> a.equals("--transport") || a.startsWith("--transport="));
        if (!all.isEmpty() && all.get(0).equals("mount") && !named) {
            all.add(1, "--transport=" + transport());
        }
        return all;
    }

    /** The transport this run of the suite tests (kernel unless the surefire execution says otherwise). */
    public static String transport() {
        return System.getProperty("aiofs.transport", "kernel");
    }

    public static Path aiofsJar() {
        String jar = System.getProperty("aiofs.jar");
        if (jar == null) {
            throw new IllegalStateException("system property aiofs.jar is not set (run through Maven)");
        }
        return Path.of(jar).toAbsolutePath().normalize();
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
