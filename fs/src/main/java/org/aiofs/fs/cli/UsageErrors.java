package org.aiofs.fs.cli;

import java.io.PrintWriter;

import picocli.CommandLine;

/**
 * A usage error is one line saying what is wrong and one line saying where help is, never
 * the whole help text: {@code aiofs: Missing required parameter: 'MOUNTPOINT'} then
 * {@code see 'aiofs mount --help'}. Exits with the command's usage code (2, or 1 for check).
 */
final class UsageErrors implements CommandLine.IParameterExceptionHandler {
    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("aiofs: " + e.getMessage() + suggestion(e));
        err.println("see '" + command.getCommandSpec().qualifiedName() + " --help'");
        err.flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** picocli's "did you mean", folded into the same line. */
    private static String suggestion(CommandLine.ParameterException e) {
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            return " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)";
        }
        return "";
    }
}
