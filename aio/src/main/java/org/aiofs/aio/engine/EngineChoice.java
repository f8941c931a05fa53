package org.aiofs.aio.engine;

/** What {@link EnginePolicy} chose for one file, and why, in words for the log and `aiofs info`. */
public record EngineChoice(String engine, CacheMode cache, String reason) {
    @Override
    public String toString() {
        return "engine " + engine + ", cache " + cache.label() + ": " + reason;
    }
}
