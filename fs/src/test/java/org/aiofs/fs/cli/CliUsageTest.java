package org.aiofs.fs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.aiofs.image.open.ImageDrivers;
import picocli.CommandLine;

/** Usage errors, help and option lists as a user meets them on a terminal. */
class CliUsageTest {
    /** A word picocli's own wrapping could break inside: it breaks after these characters too. */
    private static final Pattern SPLIT_WORD = Pattern.compile("[.=/-]");

    @Test
    void aUsageErrorIsOneLineAndWhereHelpIs() {
        CliResult r = CliResult.aiofs("mount", "only-an-image");
        assertEquals(2, r.exit());
        assertEquals(List.of("aiofs: Missing required parameter: 'MOUNTPOINT'", "see 'aiofs mount --help'"),
                r.err().lines().toList());
        assertEquals("", r.out());

        r = CliResult.aiofs("mont");
        assertEquals(2, r.exit());
        assertEquals(2, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("did you mean mount"), r.err());
        assertEquals(List.of("aiofs: a command is required", "see 'aiofs --help'"), CliResult.aiofs().err().lines()
                .toList());
    }

    @Test
    void checkUsageErrorsExitAsQemuImgCheck() {
        CliResult r = CliResult.aiofs("check", "--output", "yaml", "x.qcow2");
        assertEquals(CheckCommand.USAGE_EXIT, r.exit());
        assertEquals(2, r.err().lines().count(), r.err());
    }

    @Test
    void anUnknownFormatToCreateCarriesThePrefix() {
        CliResult r = CliResult.aiofs("create", "-f", "qed", "x.qed", "1M");
        assertEquals(2, r.exit());
        assertEquals("aiofs: unknown image format 'qed' (known: " + ImageDrivers.names() + ")",
                r.err().lines().findFirst().orElse(""));
    }

    @Test
    void aFormatAiofsOnlyReadsIsNamedOnce() {
        CliResult r = CliResult.aiofs("create", "-f", "vmdk", "x.vmdk", "1M");
        assertEquals(2, r.exit());
        assertEquals("aiofs: cannot create vmdk images (aiofs reads them; qemu-img create makes them)",
                r.err().lines().findFirst().orElse(""));
    }

    @Test
    void helpWritesOptionsAsManPagesDoAndNeverSplitsAWord() {
        CommandLine all = AiofsCommand.commandLine();
        for (CommandLine command : all.getSubcommands().values()) {
            String help = usage(command);
            String name = command.getCommandName();
            assertFalse(help.contains("-o=") || help.contains("--format="), name + ":\n" + help);
            assertTrue(help.lines().allMatch(l -> l.length() <= 80), name + ":\n" + help);
            // every word of the texts shows whole ("compat=0.10" and "part1.raw", never "compat=0." / "10")
            for (String word : words(command.getCommandSpec())) {
                assertTrue(help.contains(word), name + " help splits '" + word + "':\n" + help);
            }
        }
        String mount = usage(all.getSubcommands().get("mount"));
        assertTrue(mount.contains("-o  OPTION") || mount.contains("-o OPTION"), mount);
        assertTrue(mount.contains("Usage: aiofs mount [OPTIONS] IMAGE MOUNTPOINT"), mount);
        assertTrue(mount.contains("--overlay[=FILE]"), mount);
    }

    /** The words (commas end one too) of a command's texts that hold a '.', '=', '/' or '-' inside. */
    private static List<String> words(CommandLine.Model.CommandSpec spec) {
        List<String> texts = new java.util.ArrayList<>(List.of(spec.usageMessage().description()));
        texts.addAll(List.of(spec.usageMessage().footer()));
        spec.options().stream().filter(o -> !o.hidden()).forEach(o -> texts.addAll(List.of(o.renderedDescription())));
        return texts.stream().flatMap(t -> java.util.Arrays.stream(t.split("[\\s,]+"))) // a list may wrap after a comma
                .filter(w -> w.length() > 2 && SPLIT_WORD.matcher(w.substring(0, w.length() - 1)).find()).toList();
    }

    @Test
    void demoIsListedAndItsHelpDoesNotRunIt() {
        assertTrue(CliResult.aiofs("--help").out().contains("  demo "));
        CliResult r = CliResult.aiofs("demo", "--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("Usage: aiofs demo"), r.out());
    }

    @Test
    void mountOptionListsParseAsTheLongOptions() {
        MountCommand m = parse("mount", "-o", "ro,format=qcow2,engine=sync,allow_other,noauto,x-systemd.automount",
                "a.qcow2", "dir");
        assertTrue(m.readOnly);
        assertEquals("qcow2", m.format);
        assertEquals("sync", m.engine);
        assertEquals(List.of("allow_other"), m.fuseOptions);
        assertEquals("", parse("mount", "-o", "overlay", "a", "b").overlay);
        assertEquals("o.qcow2", parse("mount", "-o", "overlay=o.qcow2", "a", "b").overlay);
        // --overlay takes a value only when attached: IMAGE is never taken for one
        MountCommand bare = parse("mount", "--overlay", "a.qcow2", "dir");
        assertEquals("", bare.overlay);
        assertEquals("a.qcow2", bare.image.toString());
        CliResult r = CliResult.aiofs("mount", "-o", "rw,bogus", "a", "b");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("aiofs: unknown mount option 'bogus'"), r.err());
        r = CliResult.aiofs("mount", "-o", "ro", "--overlay", "a", "b");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--overlay makes the mount writable"), r.err());
    }

    @Test
    void theMountHelperTakesMountsArgumentShape(@TempDir Path dir) throws IOException {
        String image = Files.createFile(dir.resolve("a.qcow2")).toString();
        String mountPoint = Files.createDirectory(dir.resolve("mnt")).toString();
        // -f: everything checked, nothing mounted; options after the operands, clustered flags
        CliResult r = CliResult.aiofs("mount-helper", image, mountPoint, "-fnv", "-o", "ro,noauto,format=qcow2",
                "-t", "fuse.aiofs");
        assertEquals(0, r.exit(), r.err());
        r = CliResult.aiofs("mount-helper", image, mountPoint, "-f", "-o", "ro,bogus");
        assertEquals(MountHelperCommand.USAGE, r.exit());
        assertTrue(r.err().startsWith("aiofs: unknown mount option 'bogus'"), r.err());
        // -s (sloppy): unknown options are dropped instead
        assertEquals(0, CliResult.aiofs("mount-helper", image, mountPoint, "-sf", "-o", "ro,bogus").exit());
        assertEquals(MountHelperCommand.USAGE, CliResult.aiofs("mount-helper", "a", "b", "-N", "/proc/1/ns/mnt").exit());
        // -f checks what a mount checks: a missing image is mount(8)'s failure (LauncherTest reads the message)
        r = CliResult.aiofs("mount-helper", dir.resolve("nothere.qcow2").toString(), mountPoint, "-f");
        assertEquals(MountHelperCommand.FAILURE, r.exit());
    }

    @Test
    void theUmountHelperTakesUmountsArgumentShape() {
        CliResult r = CliResult.aiofs("umount-helper", "/nowhere/mounted", "-nrv", "-t", "fuse.aiofs");
        assertEquals(MountHelperCommand.FAILURE, r.exit(), r.err());
        assertEquals(List.of("aiofs: /nowhere/mounted is not mounted"), r.err().lines().toList());
        r = CliResult.aiofs("umount-helper", "/nowhere/mounted", "-f");
        assertEquals(MountHelperCommand.USAGE, r.exit());
        assertTrue(r.err().startsWith("aiofs: umount -f would abort the aiofs server"), r.err());
    }

    private static MountCommand parse(String... args) {
        CommandLine cl = AiofsCommand.commandLine();
        CommandLine.ParseResult result = cl.parseArgs(args);
        return (MountCommand) result.subcommand().commandSpec().userObject();
    }

    private static String usage(CommandLine command) {
        StringWriter out = new StringWriter();
        command.usage(new PrintWriter(out), CommandLine.Help.Ansi.OFF);
        return out.toString();
    }
}
