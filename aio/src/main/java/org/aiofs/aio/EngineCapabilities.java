package org.aiofs.aio;

/**
 * What an engine does, as data (QEMU's BlockDriver flags, nbdkit's can_*). The engine policy
 * reads them (an engine that needs O_DIRECT is never tried on a buffered file; callers that
 * block per request get a synchronous engine) and `aiofs bench` shows and uses them.
 *
 * @param asynchronous  submit returns before the I/O is done
 * @param vectored      a request with many buffers is one system call (else it is bounced through one buffer)
 * @param batched       a run of requests reaches the kernel in one system call
 * @param needsDirectIo works only on files opened O_DIRECT
 */
public record EngineCapabilities(boolean asynchronous, boolean vectored, boolean batched, boolean needsDirectIo) {
    /** In words, for `aiofs bench` and messages: e.g. "asynchronous, vectored, batched". */
    public String describe() {
        StringBuilder sb = new StringBuilder(asynchronous ? "asynchronous" : "synchronous");
        if (vectored) {
            sb.append(", vectored");
        }
        if (batched) {
            sb.append(", batched");
        }
        if (needsDirectIo) {
            sb.append(", O_DIRECT only");
        }
        return sb.toString();
    }
}
