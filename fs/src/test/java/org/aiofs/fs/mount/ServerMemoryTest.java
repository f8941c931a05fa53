package org.aiofs.fs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class ServerMemoryTest {
    private static final long MIB = 1 << 20;

    @Test
    void theHeapIsTheCacheAndTheWorkingSetAndAnNbdExportAddsItsWriteLog() {
        List<String> local = ServerMemory.jvmOptions(32 * MIB, false, Runtime.Version.parse("17.0.15"));
        assertTrue(local.contains("-Xmx128m"), local.toString());
        assertTrue(local.contains("-XX:MaxNewSize=8m"), local.toString());
        assertTrue(local.contains("-XX:MaxHeapFreeRatio=30") && local.contains("-XX:MinHeapFreeRatio=10"),
                local.toString());
        List<String> remote = ServerMemory.jvmOptions(32 * MIB, true, Runtime.Version.parse("17.0.15"));
        long log = (ServerMemory.NBD_WRITE_LOG + MIB - 1) / MIB;
        assertTrue(remote.contains("-Xmx" + (128 + log) + "m"), remote.toString());
    }

    @Test
    void theNativeHeapIsTrimmedOnlyByJvmsThatKnowTheOption() {
        assertTrue(ServerMemory.trimsNativeHeap(Runtime.Version.parse("17.0.9")));
        assertFalse(ServerMemory.trimsNativeHeap(Runtime.Version.parse("17.0.8")));
        assertFalse(ServerMemory.trimsNativeHeap(Runtime.Version.parse("20.0.2")));
        assertFalse(ServerMemory.trimsNativeHeap(Runtime.Version.parse("21")));
        assertTrue(ServerMemory.trimsNativeHeap(Runtime.Version.parse("21.0.1")));
        assertTrue(ServerMemory.trimsNativeHeap(Runtime.Version.parse("23")));
        assertFalse(ServerMemory.jvmOptions(MIB, false, Runtime.Version.parse("17.0.8")).stream()
                .anyMatch(o -> o.startsWith("-XX:TrimNativeHeapInterval")));
    }

    /** The options as given to the server start this very JVM: none of them is unknown to it. */
    @Test
    void thisJvmStartsWithTheServersOptions() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:+UseSerialGC"));
        command.addAll(ServerMemory.jvmOptions(32 * MIB, true));
        command.add("-version");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "java -version did not end");
        assertEquals(0, p.exitValue(), out);
    }
}
