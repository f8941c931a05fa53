package org.aiofs.fs.mount;

import java.io.IOException;

import org.aiofs.aio.engine.EngineChoice;
import org.aiofs.aio.engine.EnginePolicy;
import org.aiofs.image.open.FormatProbe;

/**
 * The engine and cache mode a mount uses: {@link EnginePolicy} asked with what the mount
 * brings. Its requests come from libfuse 2's worker threads, each waiting for its own
 * request; and O_DIRECT is for raw images only (qcow2 metadata writes are not sector-aligned).
 */
final class MountEngineChoice {
    /** Who submits behind this transport: the policy's auto rule for buffered files reads it. */
    static final EnginePolicy.Submitters SUBMITTERS = EnginePolicy.Submitters.BLOCKING_THREADS;

    private MountEngineChoice() {
    }

    static EngineChoice choose(MountOptions options) throws MountException {
        try {
            String format = options.format() != null ? options.format() : FormatProbe.probe(options.image()).name();
            String noDirectIo = format.equals("raw") ? null
                    : format + " image: O_DIRECT is supported for raw images only (its metadata writes are not"
                            + " sector-aligned)";
            return EnginePolicy.choose(new EnginePolicy.Request(options.engine(), options.cache(), options.image(),
                    SUBMITTERS, noDirectIo));
        } catch (IllegalArgumentException | IOException e) {
            throw new MountException(e.getMessage(), e);
        }
    }
}
