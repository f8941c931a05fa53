package org.aiofs.fs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failed background server's reason, as the terminal gets it: its own words and libfuse's. */
class ServerLogReadingTest {
    @TempDir
    Path dir;

    @Test
    void libfusesWordsFollowTheServersError() throws IOException {
        Path log = Files.writeString(dir.resolve("m.log"), """
                2026-11-29 14:49:30.100 aiofs: engine sync, cache writeback: regular file
                2026-11-29 14:49:30.200 aiofs: mounting /vm.qcow2 (qcow2, 67108864 bytes) on /mnt/vm
                fuse: mountpoint is not empty
                fuse: if you are sure this is safe, use the 'nonempty' mount option
                aiofs: cannot mount /mnt/vm: libfuse refused
                """);
        assertEquals("cannot mount /mnt/vm: libfuse refused: fuse: mountpoint is not empty; fuse: if you are sure"
                + " this is safe, use the 'nonempty' mount option", ServerLogReading.failure(log));
    }

    @Test
    void fusermountsWordsToo() throws IOException {
        Path log = Files.writeString(dir.resolve("m.log"), """
                fusermount3: option allow_other only allowed if 'user_allow_other' is set in /etc/fuse.conf
                aiofs: cannot mount /mnt/vm: libfuse refused
                """);
        assertTrue(ServerLogReading.failure(log).endsWith("refused: fusermount3: option allow_other only allowed if"
                + " 'user_allow_other' is set in /etc/fuse.conf"));
    }

    @Test
    void aLoggedErrorCountsAndSilenceIsSaidWithTheLogsPath() throws IOException {
        Path log = Files.writeString(dir.resolve("a.log"), "2026-11-29 14:49:30.100 aiofs: error: mount did not"
                + " come up: Transport endpoint is not connected\n");
        assertEquals("mount did not come up: Transport endpoint is not connected", ServerLogReading.failure(log));
        Path quiet = Files.writeString(dir.resolve("b.log"), "2026-11-29 14:49:30.100 aiofs: mounting x on y\n");
        String said = ServerLogReading.failure(quiet);
        assertTrue(said.startsWith("the server exited without saying why") && said.endsWith("(log: " + quiet + ")"),
                said);
    }
}
