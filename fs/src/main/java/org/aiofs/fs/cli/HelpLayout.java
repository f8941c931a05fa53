package org.aiofs.fs.cli;

import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Help.Ansi.IStyle;
import picocli.CommandLine.Help.Ansi.Text;
import picocli.CommandLine.Model.ArgSpec;

/**
 * How help reads, on every command:
 * <ul>
 * <li>options as man pages write them: {@code -o OPTION}, {@code --format raw|qcow2}, not
 * picocli's {@code -o=OPTION} (parsing still takes both forms; an optional value,
 * {@code --overlay[=FILE]}, keeps its '=' because only an attached value counts there);</li>
 * <li>a short synopsis, {@code aiofs mount [OPTIONS] IMAGE MOUNTPOINT}, with the options
 * listed below it, so no option is split across lines;</li>
 * <li>descriptions and footers wrapped at spaces only (picocli's wrapping also breaks after a
 * '.', splitting {@code compat=0.10} and {@code part1.raw}); indented lines are kept as
 * written.</li>
 * </ul>
 */
final class HelpLayout implements CommandLine.IHelpFactory {
    private HelpLayout() {
    }

    /** Applies the layout to {@code cl} and every command under it. */
    static void install(CommandLine cl) {
        cl.setHelpFactory(new HelpLayout());
        cl.getCommandSpec().usageMessage().abbreviateSynopsis(true);
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_DESCRIPTION,
                help -> wrap(help.commandSpec().usageMessage().description(), help.commandSpec().usageMessage().width()));
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER,
                help -> wrap(help.commandSpec().usageMessage().footer(), help.commandSpec().usageMessage().width()));
        for (CommandLine sub : cl.getSubcommands().values()) {
            install(sub);
        }
    }

    @Override
    public Help create(CommandLine.Model.CommandSpec spec, Help.ColorScheme colors) {
        return new Help(spec, colors) {
            @Override
            public Help.IParamLabelRenderer parameterLabelRenderer() {
                return new SpacedLabels(super.parameterLabelRenderer());
            }
        };
    }

    /** Each entry is a paragraph, wrapped at spaces to {@code width}; one that starts with a space is kept as is. */
    static String wrap(String[] paragraphs, int width) {
        StringBuilder out = new StringBuilder();
        for (String p : paragraphs) {
            if (p.startsWith(" ") || p.length() <= width) {
                out.append(p).append('\n');
                continue;
            }
            int lineStart = out.length();
            for (String word : p.split(" +")) {
                int lineLength = out.length() - lineStart;
                if (lineLength > 0 && lineLength + 1 + word.length() > width) {
                    out.append('\n');
                    lineStart = out.length();
                } else if (lineLength > 0) {
                    out.append(' ');
                }
                out.append(word);
            }
            out.append('\n');
        }
        return out.toString();
    }

    private record SpacedLabels(Help.IParamLabelRenderer usual) implements Help.IParamLabelRenderer {
        @Override
        public Text renderParameterLabel(ArgSpec arg, Ansi ansi, List<IStyle> styles) {
            Text text = usual.renderParameterLabel(arg, ansi, styles);
            String separator = usual.separator();
            if (!arg.isOption() || arg.arity().min() == 0 || !text.plainString().startsWith(separator)) {
                return text;
            }
            return ansi.new Text(" ").concat(text.substring(separator.length()));
        }

        @Override
        public String separator() {
            return " ";
        }
    }
}
