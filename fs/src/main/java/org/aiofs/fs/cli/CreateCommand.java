package org.aiofs.fs.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.aiofs.aio.engine.SyncEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.CreateRequest;
import org.aiofs.image.ImageDriver;
import org.aiofs.image.ImageSize;
import org.aiofs.image.open.ImageDrivers;
import org.aiofs.image.open.ImageOpener;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `aiofs create`: a new empty image, as qemu-img create makes it; an existing file is never overwritten. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Create a new empty image: raw (a sparse file) or qcow2 (v3, or v2 with compat=0.10).",
                "Unlike qemu-img, an existing file is refused rather than overwritten."},
        footer = {"", "qcow2 options (-o, comma separated): cluster_size=512..2M (64k), compression_type=zlib|zstd,",
                "extended_l2=on|off, refcount_bits=1|2|4|8|16|32|64 (16), lazy_refcounts=on|off, compat=0.10|1.1.",
                "SIZE takes qemu-img's suffixes K, M, G, T, P, E (powers of 1024); with -b and no SIZE the",
                "backing image's virtual size is used.",
                "", "Exit codes: 0 created, 1 failure (one line on stderr says why), 2 usage error."})
public final class CreateCommand implements Callable<Integer> {
    @Option(names = {"-f", "--format"}, paramLabel = "raw|qcow2", defaultValue = "raw",
            description = "Format of the new image (default: ${DEFAULT-VALUE}, as qemu-img).")
    String format;

    @Option(names = {"-b", "--backing"}, paramLabel = "BACKING",
            description = "Backing file, stored as given (a relative name is relative to IMAGE's folder).")
    String backing;

    @Option(names = {"-F", "--backing-format"}, paramLabel = "raw|qcow2",
            description = "Format of the backing file; probed (and recorded) when not given.")
    String backingFormat;

    @Option(names = "-o", paramLabel = "OPTIONS", description = "Format options, key=value[,key=value...].")
    List<String> options = new ArrayList<>();

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image file to create.")
    Path image;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SIZE", description = "Virtual size, e.g. 10G.")
    String size;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ImageDriver driver;
        long bytes;
        Map<String, String> formatOptions = new LinkedHashMap<>();
        try {
            driver = ImageDrivers.byName(format);
            bytes = size == null ? -1 : ImageSize.parse(size);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!driver.capabilities().create()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "aiofs cannot create " + driver.name()
                    + " images");
        }
        if (backingFormat != null && backing == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-F needs -b");
        }
        if (backing != null && !driver.capabilities().backing()) {
            throw new CommandLine.ParameterException(spec.commandLine(), driver.name()
                    + " images take no backing file");
        }
        try {
            for (String opt : options) {
                formatOptions.putAll(CreateRequest.splitOptions(opt));
            }
            CreateRequest request = new CreateRequest(bytes, backing, backingFormat, formatOptions);
            if (backing != null) {
                request = withBackingFacts(request);
            }
            driver.create(image, request);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("aiofs: " + image + ": " + e.getMessage());
            return 1;
        } catch (IOException e) {
            spec.commandLine().getErr().println("aiofs: " + describe(e));
            return 1;
        }
        return 0;
    }

    /** Opens the backing image (as qemu-img does) for its format and, when SIZE is missing, its size. */
    private CreateRequest withBackingFacts(CreateRequest r) throws IOException {
        Path path = Path.of(r.backingFile());
        if (!path.isAbsolute()) {
            Path folder = image.toAbsolutePath().getParent();
            path = folder == null ? path : folder.resolve(path);
        }
        try (SyncEngine engine = new SyncEngine();
                BlockImage b = new ImageOpener(engine).open(path, r.backingFormat(), true)) {
            return new CreateRequest(r.virtualSize() < 0 ? b.size() : r.virtualSize(), r.backingFile(), b.format(),
                    r.options());
        } catch (IOException e) {
            throw new IOException("Could not open backing file " + r.backingFile() + ": " + describe(e), e);
        }
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.FileAlreadyExistsException x) {
            return x.getFile() + ": " + x.getReason();
        }
        if (e instanceof java.nio.file.NoSuchFileException x) {
            return x.getFile() + ": no such file or directory";
        }
        return e.getMessage();
    }
}
