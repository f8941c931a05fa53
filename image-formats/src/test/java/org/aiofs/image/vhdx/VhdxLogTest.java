package org.aiofs.image.vhdx;

import org.aiofs.aio.nativeio.Errno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.aiofs.image.BlockImage;
import org.aiofs.image.EngineTestBase;
import org.aiofs.image.ImageException;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.qcow2.DiskComparison;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VHDX whose log still holds an entry (built here: a BAT sector rewritten through the log,
 * as a crash between QEMU's log write and its flush leaves it). QEMU refuses it read-only, and
 * so does aiofs, naming the way out; after QEMU replays it, aiofs reads what QEMU reads.
 */
class VhdxLogTest extends EngineTestBase {
    @TempDir
    Path dir;

    @Test
    void aLogThatNeedsReplayingIsRefusedUntilReplayed() throws Exception {
        Path image = dir.resolve("d.vhdx");
        Qemu.img(dir, "create", "-f", "vhdx", "-o", "block_size=1M", image.toString(), "16M");
        Qemu.io(dir.resolve("d.vhdx"), "vhdx", "write -P 0x31 0 3M");
        long batOffset = VhdxEdits.batOffset(image);
        ByteBuffer batSector = VhdxEdits.read(image, batOffset, 4096);
        batSector.putLong(8, 2); // block 1: ZERO once the log is replayed
        byte[] guid = MsGuid.of("0C7F1B0E-3A55-4C7B-9E0D-5B1A2C3D4E5F");
        VhdxEdits.logEntry(image, guid, batOffset, batSector.array());

        Tool.Result qemu = Tool.run(dir, "qemu-img", "info", "d.vhdx");
        assertTrue(qemu.exitCode() != 0, "qemu-img refuses the dirty log read-only too");
        ImageException e = assertThrows(ImageException.class, () -> new ImageOpener(engine).open(image, null, true));
        assertTrue(e.getMessage().startsWith(image + ": ") && e.getMessage().contains("log")
                && e.getMessage().contains("qemu-img check -r all " + image), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(Errno.EROFS, e.errno());

        Tool.run(dir, "qemu-img", "check", "-r", "all", "d.vhdx");
        Path expected = dir.resolve("expected.raw");
        Qemu.img(dir, "convert", "-O", "raw", "d.vhdx", expected.toString());
        byte[] disk = Files.readAllBytes(expected);
        assertEquals(0, disk[(1 << 20) + 5], "the replayed entry made block 1 a zero block");
        assertEquals(0x31, disk[5]);
        try (BlockImage img = new ImageOpener(engine).open(image, null, true)) {
            DiskComparison.assertSameAsRaw(img, expected);
        }
    }

    @Test
    void aLogGuidWithoutValidEntriesIsAnEmptyLog() throws Exception {
        Path image = dir.resolve("d.vhdx");
        Qemu.img(dir, "create", "-f", "vhdx", image.toString(), "8M");
        Qemu.io(dir.resolve("d.vhdx"), "vhdx", "write -P 0x31 0 1M");
        byte[] guid = MsGuid.of("11111111-2222-4333-8444-555555555555");
        for (int which = 1; which <= 2; which++) {
            VhdxEdits.header(image, which, h -> h.put(48, guid));
        }
        Path expected = dir.resolve("expected.raw");
        Qemu.img(dir, "convert", "-O", "raw", "d.vhdx", expected.toString());
        try (BlockImage img = new ImageOpener(engine).open(image, null, true)) {
            DiskComparison.assertSameAsRaw(img, expected);
        }
        assertTrue(ByteBuffer.allocate(1).order(ByteOrder.LITTLE_ENDIAN) != null);
    }
}
