package org.aiofs.image.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

/**
 * The one verdict every fuzz target asks of an expected failure: an IOException saying what,
 * in one line without control characters (bytes from an image must not reach a terminal raw).
 */
final class OneLine {
    private OneLine() {
    }

    static void assertOneLine(IOException e) {
        String m = e.getMessage();
        assertTrue(m != null && !m.isBlank(), "an IOException without a message: " + e);
        assertFalse(m.contains("\n"), "a message of more than one line: " + m);
        assertFalse(m.chars().anyMatch(c -> c < 0x20 || c == 0x7f), "control characters in: " + m.replaceAll(
                "\\p{Cntrl}", "^"));
    }
}
