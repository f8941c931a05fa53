package org.aiofs.dist;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.zip.GZIPOutputStream;

import org.aiofs.fs.cli.AiofsCommand;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Writes what the Debian package installs besides the jar, from the command line's own
 * model: a man page per command ({@code man1/aiofs.1.gz}, {@code man1/aiofs-mount.1.gz}, ...,
 * and {@code man8/mount.fuse.aiofs.8.gz} pointing at aiofs-mount) and the bash completion
 * script ({@code completion/aiofs}).
 * Usage: PackageDocs OUTPUT_DIR VERSION
 */
public final class PackageDocs {
    private PackageDocs() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        String version = args[1];
        String date = LocalDate.now().toString();
        CommandLine aiofs = AiofsCommand.commandLine();
        Path man1 = Files.createDirectories(out.resolve("man1"));
        write(man1.resolve("aiofs.1.gz"), topPage(aiofs, version, date).render(), true);
        for (CommandLine sub : aiofs.getSubcommands().values()) {
            CommandLine.Model.CommandSpec spec = sub.getCommandSpec();
            if (spec.usageMessage().hidden() || sub.getCommand() instanceof CommandLine.HelpCommand
                    || !spec.name().equals(sub.getCommandName())) {
                continue; // hidden helpers, `help`, and aliases (umount) get no page of their own
            }
            ManPage page = new ManPage(spec, version, date).seeAlso("aiofs(1)", "qemu-img(1)");
            if (spec.name().equals("mount")) {
                page.seeAlso("mount(8)", "fstab(5)", "umount(8)", "fusermount3(1)");
            }
            write(man1.resolve(page.name() + ".1.gz"), page.render(), true);
        }
        Path man8 = Files.createDirectories(out.resolve("man8"));
        for (String helper : new String[] {"mount.fuse.aiofs", "mount.aiofs", "umount.fuse.aiofs"}) {
            write(man8.resolve(helper + ".8.gz"), ".so man1/aiofs-mount.1\n", true);
        }
        Path completion = Files.createDirectories(out.resolve("completion"));
        write(completion.resolve("aiofs"), AutoComplete.bash("aiofs", aiofs), false);
    }

    private static ManPage topPage(CommandLine aiofs, String version, String date) {
        StringBuilder commands = new StringBuilder();
        ManPage page = new ManPage(aiofs.getCommandSpec(), version, date);
        for (CommandLine sub : aiofs.getSubcommands().values()) {
            CommandLine.Model.CommandSpec spec = sub.getCommandSpec();
            if (!spec.usageMessage().hidden() && spec.name().equals(sub.getCommandName())
                    && !(sub.getCommand() instanceof CommandLine.HelpCommand)) {
                commands.append(commands.length() == 0 ? "" : "\n").append("aiofs ").append(spec.name()).append(": ")
                        .append(spec.usageMessage().description()[0]).append(" See aiofs-").append(spec.name())
                        .append("(1).");
            }
        }
        return page.section("COMMANDS", commands.toString().split("\n"))
                .section("MOUNT(8) AND FSTAB",
                        "mount -t fuse.aiofs IMAGE DIR -o ro,format=qcow2 mounts through mount.fuse.aiofs(8), which"
                                + " takes mount(8)'s options as aiofs mount -o does. An fstab line such as"
                                + " \"/vm/disk.qcow2 /mnt/vm fuse.aiofs ro,noauto 0 0\" is mounted with mount /mnt/vm;"
                                + " umount /mnt/vm waits, as aiofs unmount does, until the image is flushed and"
                                + " closed.")
                .section("FILES",
                        "/run/aiofs (root) or $XDG_RUNTIME_DIR/aiofs: each mount's pid file and logs, named after"
                                + " the mountpoint (/mnt/vm: mnt-vm.pid, mnt-vm.DATE-TIME.log); the directory is"
                                + " private (0700).",
                        "/usr/share/aiofs/aiofs.jar: the program; /var/cache/aiofs/aiofs.jsa: its class-data"
                                + " sharing archive, and /var/cache/aiofs/jni: the native stub of jnr-ffi, both made"
                                + " at installation, which let it start quickly.")
                .seeAlso("aiofs-mount(1)", "aiofs-info(1)", "qemu-img(1)", "mount(8)", "fstab(5)");
    }

    private static void write(Path file, String text, boolean gzip) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (!gzip) {
            Files.write(file, bytes);
            return;
        }
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(file))) {
            o.write(bytes);
        }
    }
}
