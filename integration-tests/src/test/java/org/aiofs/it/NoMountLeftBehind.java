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
 * does not cascade into the next tests). Only mounts under this JVM's temporary directory
 * count (surefire points java.io.tmpdir into target/): another test run on the same machine
 * may mount and unmount at any time, and its mounts are not ours to judge or remove.
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
        String ours = Path.of(System.getProperty("java.io.tmpdir")).toRealPath() + "/";
        List<String> lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        for (String line : lines) {
            String mountPoint = line.split(" ")[4];
            if (line.contains(" - fuse.aiofs ") && mountPoint.startsWith(ours)) {
                mounts.add(mountPoint);
            }
        }
        return mounts;
    }
}
