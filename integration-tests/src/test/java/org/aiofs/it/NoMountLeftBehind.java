package org.aiofs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves an aiofs mount behind (after unmounting it, so that one failure
 * does not cascade into the next tests).
 */
public final class NoMountLeftBehind implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoMountLeftBehind.class);

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        context.getStore(NS).put("before", aiofsMounts());
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        @SuppressWarnings("unchecked")
        Set<String> before = context.getStore(NS).get("before", Set.class);
        Set<String> left = aiofsMounts();
        left.removeAll(before);
        for (String mountPoint : left) {
            Commands.run("fusermount", "-u", "-z", mountPoint);
        }
        if (!left.isEmpty()) {
            throw new AssertionError("mounts left behind: " + left);
        }
    }

    private static Set<String> aiofsMounts() throws IOException {
        Set<String> mounts = new HashSet<>();
        List<String> lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        for (String line : lines) {
            if (line.contains(" - fuse.aiofs ")) {
                mounts.add(line.split(" ")[4]);
            }
        }
        return mounts;
    }
}
