package org.aiofs.fs.cli;

import java.util.Map;
import java.util.Stack;

import picocli.CommandLine;

/**
 * For an option whose value is optional ({@code --repair[=MODE]}, {@code --overlay[=FILE]}):
 * only a value attached with '=' counts, so the next word (IMAGE) is never taken for one.
 * A bare option gets its {@code fallbackValue}.
 */
final class AttachedValueOnly implements CommandLine.IParameterPreprocessor {
    @Override
    public boolean preprocess(Stack<String> args, CommandLine.Model.CommandSpec spec, CommandLine.Model.ArgSpec arg,
            Map<String, Object> info) {
        if (" ".equals(info.get("separator")) && arg instanceof CommandLine.Model.OptionSpec option) {
            args.push(option.fallbackValue());
        }
        return false;
    }
}
