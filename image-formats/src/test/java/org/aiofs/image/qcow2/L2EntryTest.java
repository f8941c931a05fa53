package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class L2EntryTest {
    @Test
    void flagsAreHighBitsOfALong() {
        assertEquals(0x4000_0000_0000_0000L, L2Entry.COMPRESSED);
        assertEquals(0x8000_0000_0000_0000L, L2Entry.COPIED);
        // bit 30 set (what `1 << 62` would give in int arithmetic) is part of an offset, not a flag
        L2Entry e = new L2Entry(L2Entry.COPIED | (1L << 30), null);
        assertEquals(L2Entry.Kind.NORMAL, e.kind(false));
        assertEquals(1L << 30, e.hostOffset());
        assertTrue(e.copied());
    }

    @Test
    void kinds() {
        assertEquals(L2Entry.Kind.UNALLOCATED, new L2Entry(0, null).kind(false));
        assertEquals(L2Entry.Kind.ZERO_PLAIN, new L2Entry(L2Entry.ZERO, null).kind(false));
        assertEquals(L2Entry.Kind.ZERO_ALLOCATED, new L2Entry(0x30000L | L2Entry.ZERO | L2Entry.COPIED, null)
                .kind(false));
        assertEquals(L2Entry.Kind.COMPRESSED, new L2Entry(L2Entry.COMPRESSED | 0x12345L, null).kind(false));
        // bits above 55 are not part of the offset
        assertEquals(0x00ff_ffff_ffff_fe00L, new L2Entry(-1L & ~L2Entry.COMPRESSED, null).hostOffset());
    }

    @Test
    void offsetZeroInAnExternalDataFileIsAClusterWhenCopied() {
        assertEquals(L2Entry.Kind.NORMAL, new L2Entry(L2Entry.COPIED, null).kind(true));
        assertEquals(L2Entry.Kind.UNALLOCATED, new L2Entry(L2Entry.COPIED, null).kind(false));
        assertEquals(L2Entry.Kind.UNALLOCATED, new L2Entry(0, null).kind(true));
    }

    @Test
    void extendedEntriesIgnoreTheZeroBit() {
        L2Entry e = new L2Entry(0x50000L | L2Entry.ZERO, new SubclusterBitmap(0));
        assertEquals(L2Entry.Kind.NORMAL, e.kind(false));
    }

    @Test
    void tableDecodesStandardAndExtendedEntries() {
        ByteBuffer cluster = ByteBuffer.allocate(512);
        cluster.putLong(0, L2Entry.COPIED | 0x10000L);
        cluster.putLong(8, 0xffff_ffffL);
        cluster.putLong(16, L2Entry.ZERO);
        L2Table standard = L2Table.decode(cluster, false);
        assertEquals(64, standard.entries());
        assertEquals(0x10000L, standard.entry(0).hostOffset());
        assertEquals(L2Entry.Kind.ZERO_PLAIN, standard.entry(2).kind(false));
        L2Table extended = L2Table.decode(cluster, true);
        assertEquals(32, extended.entries());
        assertEquals(0x10000L, extended.entry(0).hostOffset());
        assertTrue(extended.entry(0).bitmap().allocated(31));
        assertFalse(extended.entry(0).bitmap().zero(0));
    }
}
