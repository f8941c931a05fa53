package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SubclusterBitmapTest {
    @Test
    void statesFromAllocationAndZeroHalves() {
        long bits = 0b1011L | (1L << (32 + 2)) | (1L << (32 + 3)) | (1L << 63);
        SubclusterBitmap b = new SubclusterBitmap(bits);
        assertEquals(SubclusterBitmap.State.ALLOCATED, b.state(0));
        assertEquals(SubclusterBitmap.State.ALLOCATED, b.state(1));
        assertEquals(SubclusterBitmap.State.ZERO, b.state(2));
        assertEquals(SubclusterBitmap.State.INVALID, b.state(3));
        assertEquals(SubclusterBitmap.State.UNALLOCATED, b.state(4));
        assertEquals(SubclusterBitmap.State.ZERO, b.state(31));
        assertEquals(0b1011, b.allocationBits());
    }

    @Test
    void runLengths() {
        SubclusterBitmap b = new SubclusterBitmap(0x0000_00ffL | (0xff00L << 32));
        assertEquals(8, b.runLength(0));
        assertEquals(5, b.runLength(3));
        assertEquals(8, b.runLength(8));
        assertEquals(16, b.runLength(16));
        assertEquals(1, b.runLength(31));
        assertEquals(32, new SubclusterBitmap(0).runLength(0));
        assertEquals(32, new SubclusterBitmap(-1L >>> 32).runLength(0));
    }
}
