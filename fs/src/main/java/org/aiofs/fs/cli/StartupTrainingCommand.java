package org.aiofs.fs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.aiofs.aio.nativeio.JffiStub;
import org.aiofs.fs.layout.MountLayout;
import org.aiofs.fs.mount.FuseUnmount;
import org.aiofs.fs.mount.MountTable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What the class-data sharing archive is made from (the launcher and the package run it with
 * -XX:DumpLoadedClassList, then dump the archive): every command's start-up path once, in one
 * JVM, on images it makes in DIR. With {@code --mount}, also a real mount served by this JVM
 * (root and /dev/fuse needed), unmounted before it returns. With {@code --native-dir}, it also
 * unpacks jnr-ffi's native stub, which the launcher then points jffi at.
 */
@Command(name = "train-startup", hidden = true,
        description = "Run each command's start-up path once, for the class-data sharing archive.")
public final class StartupTrainingCommand implements java.util.concurrent.Callable<Integer> {
    private static final long MOUNT_TIMEOUT_SECONDS = 30;

    @Parameters(index = "0", paramLabel = "DIR", description = "An empty scratch directory.")
    Path dir;

    @Option(names = "--mount", description = "Also mount an image and serve a few requests.")
    boolean mount;

    @Option(names = "--native-dir", paramLabel = "DIR",
            description = "Also unpack jnr-ffi's native stub into DIR (the launcher points jffi at it).")
    Path nativeDir;

    @Override
    public Integer call() throws Exception {
        if (nativeDir != null) {
            JffiStub.unpack(nativeDir);
        }
        String qcow2 = dir.resolve("train.qcow2").toString();
        String raw = dir.resolve("train.raw").toString();
        int failures = 0;
        for (List<String> args : List.of(List.of("--help"), List.of("--version"), List.of("mount", "--help"),
                List.of("create", "-f", "qcow2", qcow2, "4M"), List.of("create", "-f", "raw", raw, "1M"),
                List.of("info", qcow2), List.of("info", "--output", "json", "--backing-chain", qcow2),
                List.of("info", raw), List.of("check", qcow2), List.of("check", "--output", "json", qcow2),
                List.of("mount", "-o", "bogus", qcow2, dir.toString()))) {
            failures += quietly(args) == 0 || args.contains("bogus") ? 0 : 1;
        }
        if (mount) {
            failures += mountOnce(qcow2) ? 0 : 1;
        }
        return failures == 0 ? 0 : 1;
    }

    /** A mount served by this JVM (as `mount --foreground` serves it), read from, then unmounted. */
    private boolean mountOnce(String image) throws IOException, InterruptedException {
        Path mountPoint = Files.createDirectory(dir.resolve("mnt")).toRealPath();
        CompletableFuture<Integer> server = CompletableFuture.supplyAsync(
                () -> quietly(List.of("mount", "--foreground", image, mountPoint.toString())));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MOUNT_TIMEOUT_SECONDS);
        while (!server.isDone() && MountTable.find(mountPoint).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10); // a training run, not a readiness path: nothing to hand a signal to
        }
        boolean mounted = MountTable.find(mountPoint).isPresent();
        if (mounted) {
            Files.readAllBytes(mountPoint.resolve(MountLayout.INFO_FILE));
            quietly(List.of("info", mountPoint.toString()));
            FuseUnmount.run(mountPoint, false);
        }
        try {
            return mounted && server.get(MOUNT_TIMEOUT_SECONDS, TimeUnit.SECONDS) == 0;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            FuseUnmount.run(mountPoint, true);
            return false;
        }
    }

    private static int quietly(List<String> args) {
        CommandLine cl = AiofsCommand.commandLine();
        PrintWriter discard = new PrintWriter(Writer.nullWriter());
        cl.setOut(discard);
        cl.setErr(discard);
        return cl.execute(args.toArray(String[]::new));
    }
}
