package org.aiofs.aio.nativeio;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import com.kenai.jffi.internal.StubLoader;

/**
 * jnr-ffi's native stub (libjffi), unpacked once into a directory the JVM is then pointed at
 * with {@code -Djffi.boot.library.path=DIR}. Without it jffi copies the library out of the jar
 * into /tmp at every start, tens of milliseconds of each short command.
 */
public final class JffiStub {
    /** The property jffi reads the directory from. */
    public static final String PATH_PROPERTY = "jffi.boot.library.path";

    private JffiStub() {
    }

    /** Copies this platform's stub out of the class path into {@code dir}; returns the file. */
    public static Path unpack(Path dir) throws IOException {
        String name = System.mapLibraryName("jffi-" + StubLoader.VERSION_MAJOR + "." + StubLoader.VERSION_MINOR);
        String resource = "/jni/" + StubLoader.getPlatformName() + "/" + name;
        try (InputStream in = JffiStub.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no " + resource + " in the class path");
            }
            Files.createDirectories(dir);
            Path target = dir.resolve(name);
            Path partial = Files.createTempFile(dir, name, ".part");
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            return Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
