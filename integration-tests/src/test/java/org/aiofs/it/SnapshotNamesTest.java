package org.aiofs.it;

import org.aiofs.testing.Qemu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot names and ids come from the image (issue 10, item 9): two snapshots named alike,
 * the second with an id that can't be a file name, or with the same id, still mount, each
 * as its own safe file, as QEMU still opens the image.
 */
@ExtendWith(NoMountLeftBehind.class)
class SnapshotNamesTest {
    @TempDir
    Path dir;

    @Test
    void duplicateNamesAndUnsafeOrDuplicateIds() throws IOException {
        for (String secondId : new String[] {"/", "1"}) {
            Path image = dir.resolve("dup" + (secondId.equals("/") ? "-slash" : "-same") + ".qcow2");
            Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "1M");
            Qemu.io(image, "qcow2", "write -P 1 0 64k");
            Qemu.img("snapshot", "-c", "dup", image.toString());
            Qemu.io(image, "qcow2", "write -P 2 0 64k");
            Qemu.img("snapshot", "-c", "dup", image.toString());
            setSecondSnapshotId(image, secondId);
            Qemu.img("check", image.toString()); // QEMU still opens it
            Path first = Qemu.snapshotToRaw(image, "dup", dir, "first.raw"); // QEMU takes the first of the name
            try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
                List<String> files = TestImages.list(m.file("snapshots"));
                String expectedSecond = secondId.equals("/") ? "dup-id-_.raw" : "dup-id-1.raw";
                assertEquals(List.of(expectedSecond, "dup.raw"), files);
                assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(m.file("snapshots/dup.raw")));
                byte[] second = Files.readAllBytes(m.file("snapshots/" + expectedSecond));
                assertEquals(2, second[0], "the second snapshot holds the second pattern");
            }
        }
    }

    /** The second entry of the snapshot table gets a one-byte id (both ids are one byte long). */
    private static void setSecondSnapshotId(Path image, String id) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(60);
            assertEquals(2, f.readInt());
            long pos = f.readLong();
            for (int entry = 0; entry < 2; entry++) {
                f.seek(pos + 12);
                int idSize = f.readUnsignedShort();
                int nameSize = f.readUnsignedShort();
                f.seek(pos + 36);
                int extra = f.readInt();
                assertEquals(1, idSize);
                if (entry == 1) {
                    f.seek(pos + 40 + extra);
                    f.write(id.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                }
                pos = (pos + 40 + extra + idSize + nameSize + 7) & ~7L;
            }
        }
    }
}
