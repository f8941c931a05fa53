package org.aiofs.image.qcow2;

import java.util.Random;

/** Source disks for compressed images: compressible and incompressible stretches, and holes. */
final class WriteWorkloadBytes {
    private WriteWorkloadBytes() {
    }

    static byte[] mixed(int size) {
        byte[] b = new byte[size];
        Random r = new Random(99);
        for (int at = 0; at < size; at += 8192) {
            int kind = r.nextInt(3);
            for (int i = at; i < Math.min(size, at + 8192); i++) {
                b[i] = switch (kind) {
                    case 0 -> 0;
                    case 1 -> (byte) (i / 100);
                    default -> (byte) r.nextInt();
                };
            }
        }
        return b;
    }
}
