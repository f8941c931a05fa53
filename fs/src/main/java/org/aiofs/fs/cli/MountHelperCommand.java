package org.aiofs.fs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.aiofs.fs.mount.MountOptionList;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * mount(8)'s helper, run as {@code mount.fuse.aiofs} (or {@code mount.aiofs}, both links to
 * the launcher) by {@code mount -t fuse.aiofs IMAGE DIR -o ...} and by fstab lines. It takes
 * mount(8)'s argument shape, {@code SPEC DIR [-sfnv] [-N NS] [-o OPTIONS] [-t TYPE]}, and runs
 * {@code aiofs mount -o OPTIONS SPEC DIR}; exit codes are mount(8)'s (1 usage, 32 failure).
 */
@Command(name = "mount-helper", hidden = true,
        description = "mount(8)'s helper for fuse.aiofs (mount.fuse.aiofs): SPEC DIR [-sfnv] [-N NS] [-o OPTIONS]")
public final class MountHelperCommand implements Callable<Integer> {
    static final int USAGE = 1;
    static final int FAILURE = 32;

    @Parameters(index = "0", paramLabel = "IMAGE")
    String source;

    @Parameters(index = "1", paramLabel = "DIR")
    String target;

    @Option(names = "-o", split = ",", paramLabel = "OPTIONS")
    List<String> options = new ArrayList<>();

    @Option(names = "-s", description = "Sloppy: drop unknown options instead of refusing them.")
    boolean sloppy;

    @Option(names = "-f", description = "Fake: check everything, mount nothing.")
    boolean fake;

    @Option(names = "-n", description = "No mtab (aiofs writes none anyway).")
    boolean noMtab;

    @Option(names = "-v", description = "Say what is run.")
    boolean verbose;

    @Option(names = "-N", paramLabel = "NS")
    String namespace;

    @Option(names = "-t", paramLabel = "TYPE")
    String type;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine mount = spec.parent().subcommands().get("mount");
        if (namespace != null) {
            spec.commandLine().getErr().println("aiofs: mount -N (another mount namespace) is not supported");
            return USAGE;
        }
        List<String> kept = new ArrayList<>();
        for (String o : options) {
            if (!sloppy || MountOptionList.isKnown(o, name -> MountOptionPreprocessor.isListable(
                    mount.getCommandSpec(), name))) {
                kept.add(o);
            }
        }
        List<String> args = new ArrayList<>(List.of("mount"));
        if (fake) {
            args.add("--check-only");   // mount(8)'s fake: every check, no mount
        }
        if (!kept.isEmpty()) {
            args.add("-o");
            args.add(String.join(",", kept));
        }
        args.add(source);
        args.add(target);
        if (verbose) {
            spec.commandLine().getErr().println("aiofs " + String.join(" ", args));
        }
        CommandLine aiofs = AiofsCommand.commandLine("mount");
        aiofs.setOut(spec.commandLine().getOut());
        aiofs.setErr(spec.commandLine().getErr());
        int exit = aiofs.execute(args.toArray(String[]::new));
        return exit == 0 ? 0 : exit == 2 ? USAGE : FAILURE;
    }
}
