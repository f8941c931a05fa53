package org.aiofs.image.qcow2.driver;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.aiofs.aio.HostFile;
import org.aiofs.image.BlockImage;
import org.aiofs.image.CheckResult;
import org.aiofs.image.CreateRequest;
import org.aiofs.image.DriverCapabilities;
import org.aiofs.image.ImageDriver;
import org.aiofs.image.ImageInfo;
import org.aiofs.image.OpenContext;
import org.aiofs.image.RepairMode;
import org.aiofs.image.qcow2.HeaderExtensions;
import org.aiofs.image.qcow2.Qcow2Header;
import org.aiofs.image.qcow2.Qcow2Image;
import org.aiofs.image.qcow2.check.Qcow2Checker;
import org.aiofs.image.qcow2.create.Qcow2CreateOptions;
import org.aiofs.image.qcow2.create.Qcow2Creator;

/** The qcow2 format (v2 and v3): read, write, internal snapshots, check and create. */
public final class Qcow2Driver implements ImageDriver {
    public static final String NAME = "qcow2";

    private static final DriverCapabilities CAPABILITIES = new DriverCapabilities(true, true, true, true, true, true,
            true, true);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DriverCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public int probe(ByteBuffer head) {
        return head.remaining() >= 4 && head.getInt(head.position()) == Qcow2Header.MAGIC ? 100 : 0;
    }

    @Override
    public BlockImage open(HostFile file, OpenContext context) throws IOException {
        return Qcow2Image.open(file, context);
    }

    @Override
    public ImageInfo describe(BlockImage image) throws IOException {
        Qcow2Image q = (Qcow2Image) image;
        Qcow2Header header = q.header();
        HeaderExtensions extensions = q.extensions();
        List<ImageInfo.SnapshotInfo> snapshots = new ArrayList<>(q.internalSnapshots());
        return new ImageInfo(q.name(), NAME, q.size(), q.file().allocatedBytes(), header.clusterSize(),
                q.backingName(), extensions.backingFormat(), ImageInfo.backingChain(q), snapshots, header.dirty(),
                new ImageInfo.FormatSpecific(NAME, formatSpecific(header, extensions)));
    }

    /** qemu-img info's qcow2 block, in its order. */
    private static Map<String, Object> formatSpecific(Qcow2Header header, HeaderExtensions extensions) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("compat", header.version() == 2 ? "0.10" : "1.1");
        data.put("compression-type", header.compressionName());
        data.put("lazy-refcounts", header.lazyRefcounts());
        data.put("refcount-bits", header.refcountBits());
        if (extensions.dataFile() != null) {
            data.put("data-file", extensions.dataFile());
            data.put("data-file-raw", header.dataFileRaw());
        }
        data.put("corrupt", header.corrupt());
        data.put("extended-l2", header.extendedL2());
        return data;
    }

    @Override
    public CheckResult check(Path image, RepairMode mode, PrintWriter log) throws IOException {
        return Qcow2Checker.check(image, mode, log);
    }

    @Override
    public void create(Path image, CreateRequest request) throws IOException {
        Qcow2CreateOptions o = Qcow2CreateOptions.defaults(request.virtualSize()).with(request.options());
        if (request.backingFile() != null) {
            o = o.withBacking(request.backingFile(), request.backingFormat());
        }
        Qcow2Creator.create(image, o);
    }
}
