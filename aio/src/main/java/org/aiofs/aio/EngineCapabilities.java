package org.aiofs.aio;

/**
 * What an engine does, as data (QEMU's BlockDriver flags, nbdkit's can_*): callers and
 * the policy read these instead of guessing from the engine's name.
 *
 * @param asynchronous  submit returns before the I/O is done
 * @param vectored      a request with many buffers is one system call
 * @param batched       a batch is handed to the kernel in one call
 * @param ordered       barriers are enforced by the kernel rather than by waiting
 * @param needsDirectIo works only on files opened O_DIRECT
 * @param cpuAffinity   can pin its kernel or worker thread to a CPU
 */
public record EngineCapabilities(boolean asynchronous, boolean vectored, boolean batched, boolean ordered,
                                 boolean needsDirectIo, boolean cpuAffinity) {
}
