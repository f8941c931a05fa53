package org.aiofs.image.qcow2;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.aiofs.aio.Futures;
import org.aiofs.aio.engine.SyncEngine;
import org.aiofs.image.open.ImageOpener;
import org.aiofs.image.cache.MetadataCache;

/**
 * Run in a child JVM with a small heap by {@link Qcow2MemoryTest}: opens an image and every
 * one of its snapshots (as a mount does), reads 4 bytes of each, checks them, and prints the
 * cache's peak. Exits 0 only if every read gave {@code expected}.
 */
public final class SnapshotReads {
    private SnapshotReads() {
    }

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        long budget = Long.parseLong(args[1]);
        byte expected = (byte) Integer.parseInt(args[2], 16);
        MetadataCache cache = new MetadataCache(budget);
        try (SyncEngine engine = new SyncEngine();
                Qcow2Image img = (Qcow2Image) new ImageOpener(engine).withMetadataCache(cache).open(image, null, true)) {
            java.util.List<Qcow2Image> opened = new java.util.ArrayList<>();
            for (Qcow2Snapshot s : img.snapshots()) {
                opened.add(img.openSnapshot(s)); // all open at once, as a mount keeps them
            }
            for (Qcow2Image snapshot : opened) {
                ByteBuffer b = ByteBuffer.allocate(4);
                Futures.await(snapshot.read(1000, b));
                for (int i = 0; i < 4; i++) {
                    if (b.get(i) != expected) {
                        System.out.println("snapshot " + snapshot.name() + " byte " + i + " is " + b.get(i));
                        System.exit(3);
                    }
                }
            }
            System.out.println("read " + opened.size() + " snapshots; cache peak " + cache.peakBytes() + " of "
                    + cache.budgetBytes());
        }
    }
}
