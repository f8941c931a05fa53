package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An emulator on the mount: qemu-system-x86_64 boots from MOUNT/disk.raw; the boot sector
 * (boot/checksum.asm) reads 1 MiB through the BIOS and prints its checksum on the serial port.
 */
@ExtendWith(NoMountLeftBehind.class)
class EmulatorBootTest {
    private static final int DATA_BYTES = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void qemuBootsFromTheMountedDiskAndReadsWhatTheImageHolds() throws IOException {
        byte[] bootSector = assemble();
        byte[] data = new byte[DATA_BYTES];
        new Random(99).nextBytes(data);
        Path raw = TestImages.sparseRaw(dir, "boot.raw", 8 << 20);
        try (var ch = java.nio.channels.FileChannel.open(raw, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bootSector), 0);
            ch.write(ByteBuffer.wrap(data), 512);
        }
        Path image = BootImages.asBootImage(dir, raw);
        try (MountedImage m = MountedImage.mount(image, dir, "--read-only")) {
            Tool.Result qemu = Commands.run("timeout", "120", "qemu-system-x86_64", "-nodefaults", "-display",
                    "none", "-serial", "stdio", "-no-reboot", "-m", "32", "-device",
                    "isa-debug-exit,iobase=0xf4,iosize=0x04", "-drive",
                    "file=" + m.disk() + ",format=raw,if=ide,snapshot=on"); // snapshot: QEMU writes to a temporary overlay
            assertEquals(33, qemu.exitCode(), "the boot sector reports success through isa-debug-exit: " + qemu);
            assertTrue(qemu.stdout().contains("AIOFS-BOOT-SUM=" + checksum(data)), qemu.stdout());
        }
    }

    /** What the boot sector computes: little-endian 16-bit words summed modulo 2^32. */
    static String checksum(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        long sum = 0;
        while (b.hasRemaining()) {
            sum += Short.toUnsignedInt(b.getShort());
        }
        return String.format("%08X", sum & 0xffffffffL);
    }

    private byte[] assemble() throws IOException {
        Path source = dir.resolve("checksum.asm");
        try (InputStream in = getClass().getResourceAsStream("/boot/checksum.asm")) {
            Files.copy(in, source);
        }
        Path binary = dir.resolve("boot.bin");
        Commands.run(List.of("nasm", "-f", "bin", "-o", binary.toString(), source.toString()).toArray(String[]::new))
                .assertSuccess();
        byte[] bytes = Files.readAllBytes(binary);
        assertEquals(512, bytes.length);
        return bytes;
    }
}
