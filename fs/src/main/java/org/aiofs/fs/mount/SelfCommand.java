package org.aiofs.fs.mount;

import java.util.ArrayList;
import java.util.List;

import org.aiofs.aio.nativeio.JffiStub;

/**
 * The command that starts aiofs again in a new JVM (the background mount server, the demo's
 * steps): this JVM's java and class path, the class-data sharing archive the launcher passed as
 * {@code -Daiofs.cds=FILE} and the unpacked jnr-ffi stub it pointed jffi at, so the new JVM
 * starts as quickly as this one did.
 */
public final class SelfCommand {
    private static final String MAIN = "org.aiofs.fs.cli.AiofsCommand";

    private SelfCommand() {
    }

    /** For a long-running server: full JIT, and {@code memory} (see {@link ServerMemory}). */
    public static List<String> server(List<String> memory) {
        List<String> options = new ArrayList<>(List.of("-XX:+UseSerialGC"));
        options.addAll(memory);
        return command(options);
    }

    /** For a command that ends in a moment: the quick-start flags the launcher uses. */
    public static List<String> shortLived() {
        return command(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData"));
    }

    private static List<String> command(List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        String archive = System.getProperty("aiofs.cds");
        if (archive != null && !archive.isEmpty()) {
            command.add("-XX:SharedArchiveFile=" + archive);
            command.add("-Daiofs.cds=" + archive);
        }
        String stub = System.getProperty(JffiStub.PATH_PROPERTY);
        if (stub != null && !stub.isEmpty()) {
            command.add("-D" + JffiStub.PATH_PROPERTY + "=" + stub);
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MAIN);
        return command;
    }
}
