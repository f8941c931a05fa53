package org.aiofs.fs.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.aiofs.fs.mount.SelfCommand;
import picocli.CommandLine.Command;

/** `aiofs demo`: the tour README promises, run by a script kept inside the jar. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Show what aiofs does, in a temporary directory removed at the end: make a 64 MiB qcow2 "
                + "disk (GPT, an ext4 partition holding a file) with QEMU's and e2fsprogs' tools, mount it, "
                + "show ls -l, fdisk -l and the file read from part1.raw, unmount, write a file through a "
                + "writable mount and let qemu-img check judge the image.",
                "Needs root (FUSE), qemu-img, sfdisk, mkfs.ext4, debugfs and fdisk."},
        footer = {"", "Exit codes: 0 the demo ran through, otherwise the status of the step that failed."})
public final class DemoCommand implements Callable<Integer> {
    private static final String SCRIPT = "demo.sh";

    @Override
    public Integer call() throws IOException, InterruptedException {
        String script;
        try (InputStream in = DemoCommand.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IOException("the demo script " + SCRIPT + " is missing from the jar");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> command = new ArrayList<>(List.of("bash", "-c", script, "aiofs-demo"));
        command.addAll(SelfCommand.shortLived());
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }
}
