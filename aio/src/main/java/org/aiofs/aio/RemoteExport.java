package org.aiofs.aio;

import java.io.Closeable;

/**
 * What stands behind a {@link HostFile} that is not a local file: a block device served over
 * the network (an NBD export). It has no file descriptor; requests naming such a file run on
 * the export's own {@link #engine()}, and size and allocation are asked of the server.
 */
public interface RemoteExport extends Closeable {

    /** Where the export is, as the user named it (a URI), for messages. */
    String location();

    boolean readOnly();

    /** The export's size in bytes: fixed, an export does not grow. */
    long size();

    /** The first offset at or after {@code offset} holding data, or -1 when only zeroes follow (SEEK_DATA). */
    long seekData(long offset) throws HostIoException;

    /** The first offset at or after {@code offset} that reads as zeroes unallocated, or the size (SEEK_HOLE). */
    long seekHole(long offset) throws HostIoException;

    /** What was negotiated, in words for logs and info.json: size, features, connections. */
    String describe();

    /** The engine that carries requests naming this export. */
    IoEngine engine();

    /** Flushes nothing by itself: it ends the connection(s) once requests in flight are answered. */
    @Override
    void close() throws HostIoException;
}
