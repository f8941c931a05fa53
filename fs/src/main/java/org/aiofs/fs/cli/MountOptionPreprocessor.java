package org.aiofs.fs.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Stack;

import org.aiofs.fs.mount.MountOptionList;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code aiofs mount -o LIST}: the list is translated ({@link MountOptionList}) before picocli
 * reads it, so {@code -o ro,format=qcow2,allow_other} is parsed exactly as
 * {@code --read-only --format=qcow2 -o allow_other}, with the same checks and messages.
 */
final class MountOptionPreprocessor implements CommandLine.IParameterPreprocessor {
    /** Options that make no sense in an option list: an fstab mount must return. */
    private static final List<String> NOT_IN_LISTS = List.of("help", "version", "foreground");

    @Override
    public boolean preprocess(Stack<String> args, CommandSpec spec, CommandLine.Model.ArgSpec arg,
            Map<String, Object> info) {
        if (args.isEmpty()) {
            return false; // picocli says the value is missing
        }
        MountOptionList.Translation t;
        try {
            t = MountOptionList.translate(Arrays.asList(args.pop().split(",")), name -> isListable(spec, name));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        for (int i = t.arguments().size() - 1; i >= 0; i--) {
            args.push(t.arguments().get(i));
        }
        if (t.fuseOptions().isEmpty()) {
            return true; // nothing is left for -o itself
        }
        args.push(String.join(",", t.fuseOptions()));
        return false;
    }

    /** A visible long option of {@code aiofs mount} may be written as {@code -o NAME[=VALUE]}. */
    static boolean isListable(CommandSpec mount, String name) {
        OptionSpec option = mount.findOption("--" + name);
        return option != null && !option.hidden() && option.longestName().equals("--" + name)
                && !NOT_IN_LISTS.contains(name);
    }
}
