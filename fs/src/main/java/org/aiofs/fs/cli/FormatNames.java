package org.aiofs.fs.cli;

import java.util.Iterator;

import org.aiofs.image.ImageDriver;
import org.aiofs.image.open.ImageDrivers;

/** The formats the registry lists, for picocli's ${COMPLETION-CANDIDATES} in help texts. */
final class FormatNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        return ImageDrivers.all().stream().map(ImageDriver::name).iterator();
    }
}
