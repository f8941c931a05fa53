package org.aiofs.image.raw;

import java.io.IOException;
import java.nio.file.Path;

import org.aiofs.image.NewFile;

/** Creates a raw image: a sparse file of the virtual size. Never overwrites. */
public final class RawCreator {
    private RawCreator() {
    }

    public static void create(Path image, long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("Image size must be given");
        }
        // setLength extends with a hole: no data block is allocated
        NewFile.create(image, f -> f.setLength(size));
    }
}
