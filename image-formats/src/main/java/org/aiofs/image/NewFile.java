package org.aiofs.image;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A new image file: created atomically (an existing file is refused, never overwritten,
 * unlike qemu-img), removed again if filling it fails, synced when done.
 */
public final class NewFile {
    public interface Filler {
        void fill(RandomAccessFile file) throws IOException;
    }

    private NewFile() {
    }

    public static void create(Path image, Filler filler) throws IOException {
        try {
            Files.createFile(image);
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(image.toString(), null,
                    "the file exists; aiofs create never overwrites an image (remove it first)");
        }
        boolean done = false;
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            filler.fill(f);
            f.getFD().sync();
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(image);
            }
        }
    }
}
