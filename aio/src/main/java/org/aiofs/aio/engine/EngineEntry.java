package org.aiofs.aio.engine;

import org.aiofs.aio.EngineCapabilities;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.IoEngine;

/**
 * One engine in {@link Engines}' table: the name users give to {@code --engine}, what it is
 * in a few words, what it can do, how to make one, and how to find out whether it works for a
 * file on this kernel.
 */
public record EngineEntry(String name, String summary, EngineCapabilities capabilities, Factory factory,
                          Probe probe) {
    @FunctionalInterface
    public interface Factory {
        IoEngine create() throws HostIoException;
    }

    /** Whether the kernel and libc have what the engine calls; the O_DIRECT need is checked from the capabilities. */
    @FunctionalInterface
    public interface Probe {
        ProbeResult probe(HostFile file);
    }
}
