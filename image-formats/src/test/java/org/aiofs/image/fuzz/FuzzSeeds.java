package org.aiofs.image.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Seed corpora for the fuzz tests, made by qemu-img (and sfdisk) when the tests start, in the
 * directory where Jazzer looks for a test's inputs: {@code <Class>Inputs/<method>/} beside the
 * compiled test class. In regression mode (every test run) each seed is one test case; when
 * fuzzing they are where the fuzzer starts.
 */
final class FuzzSeeds {
    private final Path dir;

    private FuzzSeeds(Path dir) {
        this.dir = dir;
    }

    /** The (emptied) inputs directory of {@code test}'s method {@code method}. */
    static FuzzSeeds of(Class<?> test, String method) throws IOException {
        Path classes;
        try {
            classes = Path.of(test.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        Path dir = classes.resolve(test.getPackageName().replace('.', '/'))
                .resolve(test.getSimpleName() + "Inputs").resolve(method);
        Files.createDirectories(dir);
        return new FuzzSeeds(dir);
    }

    Path dir() {
        return dir;
    }

    /** Runs a command in the seeds directory (qemu-img create NAME ..., qemu-io ..., sfdisk ...). */
    FuzzSeeds run(String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(command));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        assertEquals(0, p.exitValue(), String.join(" ", cmd));
        return this;
    }

    /** A file the seeds need while being made but that is not a seed itself. */
    void remove(String name) throws IOException {
        Files.deleteIfExists(dir.resolve(name));
    }
}
