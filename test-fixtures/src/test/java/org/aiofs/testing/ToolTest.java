package org.aiofs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ToolTest {
    /** A hung program fails the test within its timeout instead of hanging the build. */
    @Test
    @Timeout(30)
    void aHungProgramIsKilledAtItsTimeout() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> Tool.run(null, Duration.ofSeconds(1), Map.of(), null, List.of("sleep", "600")));
        assertTrue(e.getMessage().contains("did not finish in 1 s"), e.getMessage());
    }

    /** Lots of output on both streams cannot stall the program on a full pipe. */
    @Test
    @Timeout(60)
    void outputOnBothStreamsIsCollectedWhileItRuns() {
        Tool.Result r = Tool.run(null, "sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' o; head -c 3000000 /dev/zero"
                + " | tr '\\0' e >&2; exit 3");
        assertEquals(3, r.exitCode());
        assertEquals(3_000_000, r.stdout().length());
        assertEquals(3_000_000, r.stderr().length());
    }
}
