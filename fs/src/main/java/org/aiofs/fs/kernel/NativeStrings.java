package org.aiofs.fs.kernel;

import java.nio.charset.StandardCharsets;
import java.util.List;

import com.kenai.jffi.MemoryIO;

/** A NULL-terminated array of C strings in native memory (argv, envp), freed on close. */
final class NativeStrings implements AutoCloseable {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private final long array;
    private final long[] strings;

    NativeStrings(List<String> values) {
        strings = new long[values.size()];
        array = MEMORY.allocateMemory(8L * (values.size() + 1), true);
        for (int i = 0; i < strings.length; i++) {
            byte[] bytes = values.get(i).getBytes(StandardCharsets.UTF_8);
            strings[i] = MEMORY.allocateMemory(bytes.length + 1, true);
            MEMORY.putByteArray(strings[i], bytes, 0, bytes.length);
            MEMORY.putLong(array + 8L * i, strings[i]);
        }
    }

    long address() {
        return array;
    }

    @Override
    public void close() {
        for (long s : strings) {
            MEMORY.freeMemory(s);
        }
        MEMORY.freeMemory(array);
    }
}
