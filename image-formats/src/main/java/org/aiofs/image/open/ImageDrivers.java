package org.aiofs.image.open;

import org.aiofs.aio.nativeio.Errno;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageDriver;
import org.aiofs.image.ImageException;
import org.aiofs.image.ImageInfo;
import org.aiofs.image.qcow2.driver.Qcow2Driver;
import org.aiofs.image.raw.RawDriver;
import org.aiofs.image.vdi.VdiDriver;
import org.aiofs.image.vhdx.VhdxDriver;
import org.aiofs.image.vmdk.driver.VmdkDriver;
import org.aiofs.image.vpc.VpcDriver;

/** Every format aiofs reads, one entry each: the table the opener, info, check and create read. */
public final class ImageDrivers {
    private static final List<ImageDriver> ALL = List.of(new Qcow2Driver(), new VmdkDriver(), new VpcDriver(),
            new VhdxDriver(), new VdiDriver(), new RawDriver());

    private ImageDrivers() {
    }

    public static List<ImageDriver> all() {
        return ALL;
    }

    /** The driver users name with {@code --format}; unknown names are refused with the known ones. */
    public static ImageDriver byName(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (ImageDriver d : ALL) {
            if (d.name().equals(wanted)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown image format '" + name + "' (known: " + names() + ")");
    }

    /** "qcow2, raw": for help texts and messages. */
    public static String names() {
        return ALL.stream().map(ImageDriver::name).collect(Collectors.joining(", "));
    }

    /** What `aiofs info` shows of an opened image, by the driver that opened it. */
    public static ImageInfo describe(BlockImage image) throws IOException {
        for (ImageDriver d : ALL) {
            if (d.name().equals(image.format())) {
                return d.describe(image);
            }
        }
        throw new ImageException(image.name() + ": no driver describes format " + image.format(),
                Errno.EINVAL);
    }
}
