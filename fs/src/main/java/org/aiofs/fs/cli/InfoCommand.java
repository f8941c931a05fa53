package org.aiofs.fs.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
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
import org.aiofs.image.open.ImageDrivers;
import org.aiofs.image.open.ImageOpener;
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
            description = "The image file (raw or qcow2), or an aiofs mountpoint (engine, cache mode, counters).")
    Path image;

    @Option(names = {"-f", "--format"}, paramLabel = "raw|qcow2", description = "The format; probed when not given.")
    String format;

    @Option(names = "--output", paramLabel = "human|json", defaultValue = "human",
            description = "Output format (default: ${DEFAULT-VALUE}); JSON uses qemu-img's keys.")
    ReportFormat output;

    @Option(names = "--backing-chain", description = "Describe every image of the backing chain, top first, as"
            + " qemu-img info --backing-chain does (JSON: a list).")
    boolean backingChain;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (MountedInfo.isMount(image)) {
            MountedInfo.print(image, output == ReportFormat.json, spec.commandLine().getOut());
            spec.commandLine().getOut().flush();
            return 0;
        }
        List<ImageInfo> chain = new ArrayList<>();
        try (IoEngine engine = new SyncEngine();
                BlockImage img = new ImageOpener(engine).open(image, format, true)) {
            for (BlockImage level = img; level != null; level = backingChain ? level.backing() : null) {
                chain.add(ImageDrivers.describe(level));
            }
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("aiofs: " + e.getMessage());
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output == ReportFormat.json) {
            Object json = backingChain ? chain.stream().map(ImageInfoReport::json).toList()
                    : ImageInfoReport.json(chain.get(0));
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
        } else {
            out.print(String.join("\n", chain.stream().map(ImageInfoReport::text).toList()));
        }
        out.flush();
        return 0;
    }
}
