package org.aiofs.dist;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A command's man page in roff (man(7) macros), from the same picocli model its --help comes
 * from: NAME, SYNOPSIS, DESCRIPTION, OPTIONS, then the help footer (its "Exit codes" line as
 * EXIT STATUS) and SEE ALSO. Extra sections can be added before SEE ALSO.
 */
final class ManPage {
    private final CommandSpec spec;
    private final String version;
    private final String date;
    private final List<String[]> extraSections = new ArrayList<>();
    private final List<String> seeAlso = new ArrayList<>();

    ManPage(CommandSpec spec, String version, String date) {
        this.spec = spec;
        this.version = version;
        this.date = date;
    }

    /** The page's name, e.g. "aiofs-mount" (aiofs itself for the top command). */
    String name() {
        return spec.qualifiedName("-");
    }

    /** A section of plain paragraphs (each entry one paragraph). */
    ManPage section(String title, String... paragraphs) {
        String[] s = new String[paragraphs.length + 1];
        s[0] = title;
        System.arraycopy(paragraphs, 0, s, 1, paragraphs.length);
        extraSections.add(s);
        return this;
    }

    ManPage seeAlso(String... pages) {
        seeAlso.addAll(List.of(pages));
        return this;
    }

    String render() {
        StringBuilder r = new StringBuilder();
        r.append(".TH ").append(quote(name().toUpperCase(java.util.Locale.ROOT))).append(" 1 ").append(quote(date))
                .append(' ').append(quote("aiofs " + version)).append(' ').append(quote("aiofs manual")).append('\n');
        String[] description = spec.usageMessage().description();
        r.append(".SH NAME\n").append(escape(name())).append(" \\- ")
                .append(escape(description.length == 0 ? "" : firstSentence(description[0]))).append('\n');
        r.append(".SH SYNOPSIS\n").append(synopsis());
        if (description.length > 0) {
            r.append(".SH DESCRIPTION\n");
            paragraphs(r, List.of(description));
        }
        appendArguments(r);
        List<String> notes = new ArrayList<>();
        List<String> exit = new ArrayList<>();
        for (String line : spec.usageMessage().footer()) {
            if (line.startsWith("Exit codes")) {
                exit.add(line);
            } else if (!line.isBlank()) {
                notes.add(line);
            }
        }
        if (!notes.isEmpty()) {
            r.append(".SH NOTES\n");
            paragraphs(r, notes);
        }
        for (String[] s : extraSections) {
            r.append(".SH ").append(escape(s[0])).append('\n');
            paragraphs(r, List.of(s).subList(1, s.length));
        }
        if (!exit.isEmpty()) {
            r.append(".SH EXIT STATUS\n");
            paragraphs(r, exit);
        }
        if (!seeAlso.isEmpty()) {
            r.append(".SH SEE ALSO\n").append(seeAlso.stream().map(ManPage::pageReference)
                    .collect(Collectors.joining(",\n"))).append('\n');
        }
        return r.toString();
    }

    private String synopsis() {
        StringBuilder b = new StringBuilder(".B ").append(escape(spec.qualifiedName())).append('\n');
        for (OptionSpec o : visibleOptions()) {
            b.append('[').append(bold(o.longestName())).append(label(o)).append(']');
            b.append(o.isMultiValue() ? "...\n" : "\n");
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (!p.hidden()) {
                String label = italic(p.paramLabel());
                b.append(p.arity().min() == 0 ? "[" + label + "]" : label).append('\n');
            }
        }
        if (!spec.subcommands().isEmpty()) {
            b.append(italic("COMMAND")).append(" [").append(italic("OPTIONS")).append("]...\n");
        }
        return b.toString();
    }

    private void appendArguments(StringBuilder r) {
        List<ArgSpec> args = new ArrayList<>();
        spec.positionalParameters().stream().filter(p -> !p.hidden()).forEach(args::add);
        args.addAll(visibleOptions());
        if (args.isEmpty()) {
            return;
        }
        r.append(".SH OPTIONS\n");
        for (ArgSpec a : args) {
            r.append(".TP\n");
            if (a instanceof OptionSpec o) {
                r.append(String.join(", ", List.of(o.names()).stream().map(ManPage::bold).toList())).append(label(o));
            } else {
                r.append(italic(a.paramLabel()));
            }
            r.append('\n').append(escape(String.join(" ", a.renderedDescription()))).append('\n');
        }
    }

    private List<OptionSpec> visibleOptions() {
        return spec.options().stream().filter(o -> !o.hidden()).sorted((a, b) -> a.shortestName()
                .replace("-", "").compareToIgnoreCase(b.shortestName().replace("-", ""))).toList();
    }

    /** " LABEL", "[=LABEL]" for an optional value, nothing for a flag; split lists as "LABEL[,LABEL...]". */
    private static String label(OptionSpec o) {
        if (o.arity().max() == 0) {
            return "";
        }
        String label = italic(o.paramLabel());
        if (o.splitRegex() != null && !o.splitRegex().isEmpty()) {
            label += "[," + italic(o.paramLabel()) + "...]";
        }
        return o.arity().min() == 0 ? "[=" + label + "]" : " " + label;
    }

    private static void paragraphs(StringBuilder r, List<String> paragraphs) {
        boolean first = true;
        for (String p : paragraphs) {
            if (p.startsWith(" ")) { // laid out by hand: keep the line as it is
                r.append(".nf\n").append(escape(p)).append("\n.fi\n");
                continue;
            }
            if (!first) {
                r.append(".PP\n");
            }
            r.append(escape(p)).append('\n');
            first = false;
        }
    }

    private static String firstSentence(String s) {
        int colon = s.indexOf(": ");
        int stop = s.indexOf(". ");
        int end = colon > 0 && (stop < 0 || colon < stop) ? colon : stop;
        String sentence = end > 0 ? s.substring(0, end) : s.replaceAll("\\.$", "");
        return Character.toLowerCase(sentence.charAt(0)) + sentence.substring(1);
    }

    private static String pageReference(String page) {
        int paren = page.indexOf('(');
        return bold(page.substring(0, paren)) + escape(page.substring(paren));
    }

    private static String bold(String s) {
        return "\\fB" + escape(s) + "\\fR";
    }

    private static String italic(String s) {
        return "\\fI" + escape(s) + "\\fR";
    }

    private static String quote(String s) {
        return "\"" + escape(s).replace("\"", "\\(dq") + "\"";
    }

    /** Text safe for roff: backslashes, hyphens as minus signs (options stay copyable), no line starting a request. */
    static String escape(String s) {
        String e = s.replace("\\", "\\e").replace("-", "\\-");
        if (e.startsWith(".") || e.startsWith("'")) {
            e = "\\&" + e;
        }
        return e.replace("\n.", "\n\\&.").replace("\n'", "\n\\&'");
    }
}
