package org.aiofs.fs.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `aiofs` command line. */
@Command(name = "aiofs", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Expose virtual disk images (raw, qcow2, vmdk, vpc, vhdx, vdi) as plain files through FUSE.",
        subcommands = {MountCommand.class, UnmountCommand.class, InfoCommand.class, CheckCommand.class,
                CreateCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 1 failure (one line on stderr says why), 2 usage error."})
public final class AiofsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new AiofsCommand());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("aiofs: " + e.getMessage());
            return 1;
        });
        CommandLine.IParameterExceptionHandler usual = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((e, args) -> {
            int code = usual.handleParseException(e, args);
            return e.getCommandLine().getCommand() instanceof CheckCommand ? CheckCommand.USAGE_EXIT : code;
        });
        return cl;
    }
}
