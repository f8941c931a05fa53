package org.aiofs.fs.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.engine.SyncEngine;
import org.aiofs.fs.report.ImageInfoReport;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageInfo;
import org.aiofs.image.ImageLocation;
import org.aiofs.image.open.ImageDrivers;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.open.NamedFilePolicy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `aiofs info`: what `qemu-img info` says about an image, in its words (text) or its keys (JSON). */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Show what an image is, like qemu-img info; given a mountpoint, what the mount serves and how.",
                "Format, virtual size, cluster size, version, compression type, backing chain, snapshots, "
                        + "dirty/corrupt bits and the bytes it takes on the host."},
        footer = {"", "Exit codes: 0 success, 1 the image can't be opened (one line on stderr says why)."})
public final class InfoCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IMAGE|MOUNTPOINT",
            description = "The image: a file or an NBD URI (nbd://HOST[:PORT]/EXPORT, "
                    + "nbd+unix:///EXPORT?socket=PATH); or an aiofs mountpoint (engine, cache mode, counters).")
    String image;

    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", completionCandidates = FormatNames.class,
            description = "The format (${COMPLETION-CANDIDATES}); probed when not given.")
    String format;

    @Option(names = "--output", paramLabel = "human|json", defaultValue = "human",
            description = "Output format (default: ${DEFAULT-VALUE}); JSON uses qemu-img's keys.")
    ReportFormat output;

    @Option(names = "--allow-backing", paramLabel = "DIR|any",
            description = {"Also follow backing and data files the image names inside DIR (repeatable), or anywhere"
                    + " (any). By default they must lie inside the image's own directory tree."})
    List<String> allowBacking = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ImageLocation location;
        try {
            location = ImageLocation.parse(image);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("aiofs: " + e.getMessage());
            return 1;
        }
        if (!location.isRemote() && MountedInfo.isMount(location.path())) {
            MountedInfo.print(location.path(), output == ReportFormat.json, spec.commandLine().getOut());
            spec.commandLine().getOut().flush();
            return 0;
        }
        NamedFilePolicy policy;
        try {
            policy = NamedFilePolicy.fromOptions(allowBacking);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        ImageInfo info;
        try (IoEngine engine = new SyncEngine();
                BlockImage img = new ImageOpener(engine).withPolicy(policy)
                        .withNotices(note -> err.println("aiofs: note: " + note)).open(location, format, true)) {
            info = ImageDrivers.describe(img);
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("aiofs: " + e.getMessage());
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output == ReportFormat.json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(ImageInfoReport.json(info)));
        } else {
            out.print(ImageInfoReport.text(info));
        }
        out.flush();
        return 0;
    }
}
