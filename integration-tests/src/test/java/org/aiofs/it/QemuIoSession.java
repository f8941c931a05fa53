package org.aiofs.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * An interactive qemu-io that keeps an image open (and locked, as QEMU locks it) until
 * closed. Opening is confirmed by a read's reply, not by waiting.
 */
public final class QemuIoSession implements AutoCloseable {
    private final Process process;
    private final Writer in;
    private final BufferedReader out;

    public QemuIoSession(Path image, String format, boolean readOnly) throws IOException {
        ProcessBuilder pb = readOnly
                ? new ProcessBuilder("qemu-io", "-r", "-f", format, image.toString())
                : new ProcessBuilder("qemu-io", "-f", format, image.toString());
        process = pb.redirectErrorStream(true).start();
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in.write("read 0 512\n");
        in.flush();
        String line;
        while ((line = out.readLine()) != null) {
            if (line.contains("read 512/512 bytes")) {
                return;
            }
            if (line.contains("can't open") || line.contains("Failed")) {
                close();
                throw new IOException("qemu-io could not open " + image + ": " + line);
            }
        }
        throw new IOException("qemu-io exited before opening " + image);
    }

    @Override
    public void close() throws IOException {
        try {
            in.write("quit\n");
            in.close();
        } catch (IOException ignored) {
            // it may already be gone
        }
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
