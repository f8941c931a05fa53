package org.aiofs.image.partition;

import java.nio.ByteBuffer;
import java.util.Locale;

/** GUIDs as GPT stores them: the first three fields little-endian, the last two as bytes. */
final class GptGuid {
    private GptGuid() {
    }

    static boolean isZero(ByteBuffer buf, int at) {
        return buf.getLong(at) == 0 && buf.getLong(at + 8) == 0;
    }

    /** The usual text form, uppercase as sfdisk prints it. */
    static String format(ByteBuffer buf, int at) {
        StringBuilder s = new StringBuilder(36);
        hex(s, buf, at + 3, at + 2, at + 1, at);
        s.append('-');
        hex(s, buf, at + 5, at + 4);
        s.append('-');
        hex(s, buf, at + 7, at + 6);
        s.append('-');
        hex(s, buf, at + 8, at + 9);
        s.append('-');
        hex(s, buf, at + 10, at + 11, at + 12, at + 13, at + 14, at + 15);
        return s.toString();
    }

    private static void hex(StringBuilder s, ByteBuffer buf, int... indexes) {
        for (int i : indexes) {
            s.append(String.format(Locale.ROOT, "%02X", buf.get(i) & 0xff));
        }
    }
}
