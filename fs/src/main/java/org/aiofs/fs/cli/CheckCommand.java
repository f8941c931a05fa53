package org.aiofs.fs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.aiofs.image.CheckResult;
import org.aiofs.image.ImageDriver;
import org.aiofs.image.RepairMode;
import org.aiofs.image.open.FormatProbe;
import org.aiofs.image.open.ImageDrivers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `aiofs check`: qemu-img check for qcow2 images, with its output, JSON keys and exit codes. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Rebuild every cluster's refcount from the image's tables and compare it with the stored one,"
                + " like qemu-img check: reports corruptions, leaked clusters and allocation statistics.",
        footer = {"", "Exit codes (those of qemu-img check): 0 no problems, 1 the check could not complete"
                + " (or a usage error), 2 corruptions found, 3 only leaked clusters found, 63 the format has no"
                + " checks (raw)."})
public final class CheckCommand implements Callable<Integer> {
    /** Usage errors exit 1 here, as qemu-img's do: 2 would read as "corrupt". */
    static final int USAGE_EXIT = 1;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image file.")
    Path image;

    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", completionCandidates = FormatNames.class,
            description = "The format (${COMPLETION-CANDIDATES}); probed when not given.")
    String format;

    @Option(names = "--repair", arity = "0..1", paramLabel = "leaks|all", preprocessor = BareRepair.class,
            description = "Repair: 'leaks' (also a bare --repair) lowers refcounts that are too high and fixes"
                    + " COPIED flags when that is then safe; 'all' also raises refcounts that are too low.")
    String repair;

    @Option(names = "-r", paramLabel = "leaks|all", description = "As qemu-img check -r: same as --repair=MODE.")
    String repairShort;

    /** A bare --repair means leaks; a value must be attached (--repair=all) so IMAGE is never taken for one. */
    static final class BareRepair implements CommandLine.IParameterPreprocessor {
        @Override
        public boolean preprocess(java.util.Stack<String> args, CommandLine.Model.CommandSpec spec,
                CommandLine.Model.ArgSpec arg, Map<String, Object> info) {
            if (" ".equals(info.get("separator"))) {
                args.push("leaks");
            }
            return false;
        }
    }

    @Option(names = "--output", paramLabel = "human|json", defaultValue = "human",
            description = "Output format (default: ${DEFAULT-VALUE}); JSON uses qemu-img's keys.")
    ReportFormat output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RepairMode mode = repairMode();
        PrintWriter err = spec.commandLine().getErr();
        ImageDriver driver;
        try {
            driver = format == null ? FormatProbe.probe(image) : ImageDrivers.byName(format);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        } catch (IOException e) {
            err.println("aiofs: " + e.getMessage());
            return CheckResult.EXIT_CHECK_FAILED;
        }
        if (!driver.capabilities().check()) {
            err.println("aiofs: " + image + ": This image format does not support checks");
            return CheckResult.EXIT_NOT_SUPPORTED;
        }
        CheckResult r;
        try {
            r = driver.check(image, mode, err);
        } catch (IOException e) {
            err.println("aiofs: Check failed: " + e.getMessage());
            return CheckResult.EXIT_CHECK_FAILED;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output == ReportFormat.json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json(r)));
        } else {
            out.print(text(r));
        }
        out.flush();
        if (r.checkErrors() > 0) {
            err.println("aiofs: Check failed");
        }
        return r.exitCode();
    }

    private RepairMode repairMode() {
        if (repair != null && repairShort != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give -r or --repair, not both");
        }
        if (repairShort != null) {
            repair = repairShort;
        }
        if (repair == null) {
            return RepairMode.NONE;
        }
        return switch (repair) {
            case "leaks" -> RepairMode.LEAKS;
            case "all" -> RepairMode.ALL;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--repair must be leaks or all, not " + repair);
        };
    }

    /** qemu-img's ImageCheck keys; as qemu-img, optional counts are left out when zero. */
    static Map<String, Object> json(CheckResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("filename", r.filename());
        m.put("format", r.format());
        m.put("check-errors", r.checkErrors());
        putIfNonZero(m, "image-end-offset", r.imageEndOffset());
        putIfNonZero(m, "corruptions", r.corruptions());
        putIfNonZero(m, "leaks", r.leaks());
        putIfNonZero(m, "corruptions-fixed", r.corruptionsFixed());
        putIfNonZero(m, "leaks-fixed", r.leaksFixed());
        putIfNonZero(m, "total-clusters", r.totalClusters());
        putIfNonZero(m, "allocated-clusters", r.allocatedClusters());
        putIfNonZero(m, "fragmented-clusters", r.fragmentedClusters());
        putIfNonZero(m, "compressed-clusters", r.compressedClusters());
        return m;
    }

    private static void putIfNonZero(Map<String, Object> m, String key, long value) {
        if (value != 0) {
            m.put(key, value);
        }
    }

    /** qemu-img check's human report, line for line. */
    static String text(CheckResult r) {
        StringBuilder b = new StringBuilder();
        if (r.corruptionsFixed() + r.leaksFixed() > 0) {
            b.append("The following inconsistencies were found and repaired:\n\n")
                    .append("    ").append(r.leaksFixed()).append(" leaked clusters\n")
                    .append("    ").append(r.corruptionsFixed()).append(" corruptions\n\n")
                    .append("Double checking the fixed image now...\n");
        }
        if (r.corruptions() == 0 && r.leaks() == 0 && r.checkErrors() == 0) {
            b.append("No errors were found on the image.\n");
        } else {
            if (r.corruptions() > 0) {
                b.append('\n').append(r.corruptions()).append(" errors were found on the image.\n")
                        .append("Data may be corrupted, or further writes to the image may corrupt it.\n");
            }
            if (r.leaks() > 0) {
                b.append('\n').append(r.leaks()).append(" leaked clusters were found on the image.\n")
                        .append("This means waste of disk space, but no harm to data.\n");
            }
            if (r.checkErrors() > 0) {
                b.append('\n').append(r.checkErrors()).append(" internal errors have occurred during the check.\n");
            }
        }
        if (r.totalClusters() != 0 && r.allocatedClusters() != 0) {
            b.append(String.format(java.util.Locale.ROOT,
                    "%d/%d = %.2f%% allocated, %.2f%% fragmented, %.2f%% compressed clusters%n",
                    r.allocatedClusters(), r.totalClusters(), r.allocatedClusters() * 100.0 / r.totalClusters(),
                    r.fragmentedClusters() * 100.0 / r.allocatedClusters(),
                    r.compressedClusters() * 100.0 / r.allocatedClusters()));
        }
        if (r.imageEndOffset() != 0) {
            b.append("Image end offset: ").append(r.imageEndOffset()).append('\n');
        }
        return b.toString();
    }
}
