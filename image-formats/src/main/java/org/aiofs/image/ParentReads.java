package org.aiofs.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * Reads through the image below (a backing file, a VMDK parent): what it holds, and zeroes
 * past its end or when there is none, as QEMU's block layer reads a shorter child.
 */
public final class ParentReads {
    private ParentReads() {
    }

    /** Fills {@code target} with the parent's bytes from {@code guestOffset}. */
    public static CompletableFuture<Void> read(BlockImage parent, long guestOffset, ByteBuffer target) {
        long parentSize = parent == null ? 0 : parent.size();
        long have = Math.max(0, Math.min(target.remaining(), parentSize - guestOffset));
        if (have < target.remaining()) {
            ReadBuffers.zero(target.duplicate().position(target.position() + (int) have));
        }
        if (have == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return parent.read(guestOffset, target.slice(target.position(), (int) have));
    }

    /** The parent's status of the range (zeroes past its end or without a parent). */
    public static BlockStatus status(BlockImage parent, long offset, long length) throws IOException {
        long parentSize = parent == null ? 0 : parent.size();
        if (offset >= parentSize) {
            return new BlockStatus(BlockStatus.Kind.ZERO, offset, length);
        }
        return parent.blockStatus(offset, Math.min(length, parentSize - offset));
    }
}
