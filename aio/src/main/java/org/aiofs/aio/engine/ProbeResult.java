package org.aiofs.aio.engine;

/**
 * Whether an engine (or a cache mode) works for one file on this kernel, and why not
 * when it does not: found by trying, never guessed from a version number.
 */
public record ProbeResult(String engine, boolean supported, String reason) {
    public static ProbeResult ok(String engine, String reason) {
        return new ProbeResult(engine, true, reason);
    }

    public static ProbeResult refused(String engine, String reason) {
        return new ProbeResult(engine, false, reason);
    }

    @Override
    public String toString() {
        return engine + ": " + (supported ? "supported" : "unsupported") + " (" + reason + ")";
    }
}
