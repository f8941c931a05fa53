package org.aiofs.fs.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.aiofs.image.ImageInfo;
import org.junit.jupiter.api.Test;

/** Snapshot names and ids come from the image: every snapshot still gets a unique, safe file name. */
class SnapshotFilesTest {
    private static ImageInfo.SnapshotInfo snapshot(String id, String name) {
        return new ImageInfo.SnapshotInfo(id, name, 1 << 20, 0, 0, 0, 0);
    }

    private static List<String> names(ImageInfo.SnapshotInfo... snapshots) {
        Set<String> taken = new HashSet<>();
        List<String> out = new ArrayList<>();
        for (ImageInfo.SnapshotInfo s : snapshots) {
            out.add(SnapshotFiles.fileName(s, taken));
        }
        return out;
    }

    @Test
    void sameNameGetsTheIdAndAnUnsafeIdIsMadeSafe() {
        assertEquals(List.of("dup.raw", "dup-id-a_b.raw"), names(snapshot("1", "dup"), snapshot("a/b", "dup")));
    }

    @Test
    void sameNameAndSameIdStillGetTwoFiles() {
        assertEquals(List.of("dup.raw", "dup-id-9.raw", "dup-id-9-2.raw"),
                names(snapshot("9", "dup"), snapshot("9", "dup"), snapshot("9", "dup")));
    }

    @Test
    void namesThatCannotBeFileNames() {
        List<String> got = names(snapshot("1", ""), snapshot("2", ".."), snapshot("..", "a/b"),
                snapshot("4", "tab\there"), snapshot("5", "x".repeat(300)), snapshot("", "id-none"),
                snapshot("", "."));
        assertEquals(List.of("id-1.raw", "id-2.raw", "id-none.raw", "id-4.raw", "id-5.raw", "id-none-id-none.raw",
                "id-none-id-none-2.raw"), got);
    }

    @Test
    void everyNameFitsInNameMax() {
        String longName = "\u00e9".repeat(100); // 200 bytes of UTF-8
        String longId = "\ud83d\ude00".repeat(50);
        for (String n : names(snapshot(longId, longName), snapshot(longId, longName), snapshot(longId, longName))) {
            assertTrue(n.getBytes(StandardCharsets.UTF_8).length <= 255, n);
            assertFalse(n.contains("/"), n);
        }
    }
}
