package org.aiofs.aio.engine;

/** The cache mode {@link EnginePolicy} chose for one file, and why. */
public record CacheChoice(CacheMode mode, String reason) {
}
