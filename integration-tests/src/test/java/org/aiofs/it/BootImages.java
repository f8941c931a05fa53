package org.aiofs.it;

import java.nio.file.Path;

import org.aiofs.testing.Qemu;

/** The image the emulator test mounts: a compressed qcow2 made from a raw disk by QEMU's converter. */
final class BootImages {
    private BootImages() {
    }

    static Path asBootImage(Path dir, Path raw) {
        Path image = dir.resolve("boot.qcow2");
        Qemu.img("convert", "-c", "-O", "qcow2", "-o", "cluster_size=65536", raw.toString(), image.toString());
        return image;
    }
}
