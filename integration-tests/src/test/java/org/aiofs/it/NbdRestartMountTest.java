package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.aiofs.aio.nbd.NbdServer;
import org.aiofs.it.NbdExports.Server;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.aiofs.testing.Qemu;

/**
 * A mount under steady load while its NBD server is killed and started again, twice: raw
 * and qcow2 images, on qemu-nbd and on nbdkit. No read or write the load makes may fail or
 * return other bytes than it wrote; afterwards the image holds every write (qemu-img compare)
 * and a qcow2 is clean (qemu-img check).
 */
@ExtendWith(NoMountLeftBehind.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NbdRestartMountTest {
    private static final long SIZE = 32L << 20;
    private static final int OPERATIONS_BETWEEN_RESTARTS = 60;

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"raw, QEMU_NBD", "raw, NBDKIT", "qcow2, QEMU_NBD", "qcow2, NBDKIT"})
    void survivesTheServerRestartingMidLoad(String format, Server kind) throws Exception {
        Path image = format.equals("raw") ? TestImages.randomRaw(dir, "disk.img", SIZE, 8)
                : NbdExports.qcow2WithRoom(dir, "vm.qcow2", SIZE);
        Path modelFile = format.equals("raw") ? image : Qemu.toRaw(image, dir, "model.raw");
        byte[] model = Files.readAllBytes(modelFile);
        try (NbdServer server = kind.serve(dir, true, image).start()) {
            try (MountedImage m = MountedImage.mount(server.uri(), dir, "--format", format)) {
                Load load = new Load(m.disk(), model);
                load.start();
                for (int restart = 0; restart < 2; restart++) {
                    load.awaitProgress();
                    server.kill(); // in flight: whatever the load had sent
                    server.start();
                }
                load.awaitProgress();
                load.stop();
                assertNull(load.failure(), () -> "the load failed: " + load.failure());
                String log = Commands.aiofs("info", m.mountPoint().toString()).assertSuccess().stdout();
                assertTrue(log.contains("0 errors"), log);
            }
        }
        if (format.equals("raw")) {
            assertEquals(-1L, Files.mismatch(image, writeModel(model)), "the image lacks writes the load made");
        } else {
            NbdExports.assertClean(image);
            NbdExports.assertSameContent(writeModel(model), image);
        }
    }

    private Path writeModel(byte[] model) throws IOException {
        Path p = dir.resolve("expected.raw");
        Files.write(p, model);
        return p;
    }

    /** Random writes and verified reads through the mount, one at a time, counting progress. */
    private static final class Load {
        private final Path disk;
        private final byte[] model;
        private final Semaphore progress = new Semaphore(0);
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;

        Load(Path disk, byte[] model) {
            this.disk = disk;
            this.model = model;
            this.thread = new Thread(this::run, "mount-load");
        }

        void start() {
            thread.start();
        }

        void awaitProgress() throws InterruptedException {
            assertTrue(progress.tryAcquire(OPERATIONS_BETWEEN_RESTARTS, 120, TimeUnit.SECONDS),
                    () -> "the load stalled" + (failure.get() == null ? "" : ": " + failure.get()));
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(TimeUnit.SECONDS.toMillis(120));
        }

        Throwable failure() {
            return failure.get();
        }

        private void run() {
            Random r = new Random(23);
            try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                for (int i = 0; !stop.get(); i++) {
                    int length = 1 + r.nextInt(256 << 10);
                    int at = r.nextInt(model.length - length);
                    if (r.nextInt(3) > 0) {
                        byte[] data = new byte[length];
                        r.nextBytes(data);
                        ByteBuffer b = ByteBuffer.wrap(data);
                        for (long pos = at; b.hasRemaining(); ) {
                            pos += ch.write(b, pos);
                        }
                        System.arraycopy(data, 0, model, at, length);
                    } else {
                        ByteBuffer b = ByteBuffer.allocate(length);
                        for (long pos = at; b.hasRemaining(); ) {
                            pos += ch.read(b, pos);
                        }
                        assertArrayEquals(Arrays.copyOfRange(model, at, at + length), b.array(), "read at " + at);
                    }
                    if (i % 20 == 19) {
                        ch.force(false);
                    }
                    progress.release();
                }
                ch.force(true);
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                progress.release(1_000_000);
            }
        }
    }
}
