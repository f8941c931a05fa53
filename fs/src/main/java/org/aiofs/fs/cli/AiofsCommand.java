package org.aiofs.fs.cli;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `aiofs` command line. */
@Command(name = "aiofs", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Expose virtual disk images (raw, qcow2, vmdk, vpc, vhdx, vdi) as plain files through FUSE.",
        footer = {"", "Exit codes: 0 success, 1 failure (one line on stderr says why), 2 usage error.",
                "'aiofs COMMAND --help' describes each command; man aiofs-COMMAND, when installed."})
public final class AiofsCommand implements Runnable {
    /** Every command, in the order help lists them. */
    static final List<Class<?>> COMMANDS = List.of(MountCommand.class, UnmountCommand.class, InfoCommand.class,
            CheckCommand.class, CreateCommand.class, BenchCommand.class, DemoCommand.class, MountHelperCommand.class,
            UmountHelperCommand.class, StartupTrainingCommand.class, CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        System.exit(commandLine(args.length == 0 ? null : args[0]).execute(args));
    }

    /** The whole command line, every command in it. */
    public static CommandLine commandLine() {
        return commandLine(null);
    }

    /**
     * The command line for a run whose first word is {@code first}: when that names a command,
     * only that command is built (picocli reads every command's annotations up front, a
     * noticeable part of a short command's start-up); otherwise all of them, for help and
     * suggestions.
     */
    static CommandLine commandLine(String first) {
        CommandLine cl = new CommandLine(new AiofsCommand());
        Class<?> only = COMMANDS.stream().filter(c -> c != CommandLine.HelpCommand.class && names(c).contains(first))
                .findFirst().orElse(null);
        for (Class<?> command : COMMANDS) {
            if (only == null || command == only || command == MountCommand.class && only == MountHelperCommand.class) {
                cl.addSubcommand(command);
            }
        }
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("aiofs: " + e.getMessage());
            commandLine.getErr().flush();
            return 1;
        });
        cl.setParameterExceptionHandler(new UsageErrors());
        if (cl.getSubcommands().containsKey("check")) {
            cl.getSubcommands().get("check").getCommandSpec().exitCodeOnInvalidInput(CheckCommand.USAGE_EXIT);
        }
        HelpLayout.install(cl);
        return cl;
    }

    private static List<String> names(Class<?> command) {
        Command c = command.getAnnotation(Command.class);
        List<String> names = new ArrayList<>(List.of(c.aliases()));
        names.add(c.name());
        return names;
    }
}
