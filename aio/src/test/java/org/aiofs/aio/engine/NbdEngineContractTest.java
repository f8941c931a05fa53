package org.aiofs.aio.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.nbd.NbdClient;
import org.aiofs.aio.nbd.NbdServer;
import org.aiofs.aio.nbd.NbdUri;

/**
 * The engine contract on an NBD export: qemu-nbd serves the test's file over a Unix socket,
 * and what the engine writes is judged by reading the file itself (and the reverse).
 */
class NbdEngineContractTest extends EngineContractTest {
    private NbdServer server;
    private Path serverDir;
    private final List<HostFile> opened = new ArrayList<>();

    @Override
    protected IoEngine newEngine() {
        throw new UnsupportedOperationException("an NBD export brings its own engine");
    }

    @Override
    protected boolean direct() {
        return false;
    }

    @Override
    protected HostFile openFile(Path path, boolean readOnly) throws IOException {
        if (server == null) {
            serverDir = java.nio.file.Files.createTempDirectory("aiofs-nbd-contract");
            server = NbdServer.qemuNbd(serverDir, false, path, "raw").start();
        }
        HostFile f = HostFile.ofExport(NbdClient.connect(NbdUri.parse(server.uri()), readOnly));
        opened.add(f);
        return f;
    }

    @Override
    protected IoEngine engineFor(HostFile file) {
        return file.remote().engine();
    }

    @Override
    protected void cleanUp() throws IOException {
        for (HostFile f : opened) {
            f.close();
        }
        if (server != null) {
            server.close();
            try (var files = java.nio.file.Files.list(serverDir)) {
                for (Path p : files.toList()) {
                    java.nio.file.Files.delete(p);
                }
            }
            java.nio.file.Files.delete(serverDir);
        }
    }
}
