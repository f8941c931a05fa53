package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** `aiofs demo` runs from the jar alone, shows what README promises, and writes no colour codes into a pipe. */
@ExtendWith(NoMountLeftBehind.class)
class DemoTest {
    @TempDir
    Path dir;

    @Test
    void runsThroughIntoAPipeWithoutColourCodes() throws IOException {
        Tool.Result r = Commands.aiofs(Map.of("TMPDIR", dir.toString()), "demo");
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        for (String shown : List.of("$ aiofs mount --read-only demo.qcow2 mnt", "part1.raw",
                "Hello from inside a qcow2 image, read through aiofs.", "No errors were found on the image.")) {
            assertTrue(r.stdout().contains(shown), "the demo shows '" + shown + "':\n" + r.stdout());
        }
        assertFalse(r.stdout().contains("\u001b") || r.stderr().contains("\u001b"), "colour codes into a pipe");
        assertEquals(List.of(), TestImages.list(dir), "the demo removes its directory");
    }
}
