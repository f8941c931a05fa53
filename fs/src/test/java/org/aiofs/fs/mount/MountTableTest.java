package org.aiofs.fs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MountTableTest {
    @Test
    void parsesAFuseLineWithOptionalFieldsAndEscapes() {
        MountTable.Entry e = MountTable.parse("53 25 0:47 / /tmp/my\\040disk rw,nosuid,nodev shared:30 master:1"
                + " - fuse.aiofs /tmp/vm.img rw,user_id=0,group_id=0");
        assertEquals("/tmp/my disk", e.mountPoint());
        assertEquals("fuse.aiofs", e.fsType());
        assertEquals("/tmp/vm.img", e.source());
        assertTrue(e.isFuse());
        assertEquals(47, e.deviceNumber());
        assertEquals((8L << 20) | 3, MountTable.parse("1 2 8:3 / /x rw - ext4 /dev/sda3 rw").deviceNumber());
    }

    @Test
    void ignoresGarbage() {
        assertNull(MountTable.parse("not a mountinfo line"));
    }

    @Test
    void unescapesOnlyOctalTriples() {
        assertEquals("a\\b", MountTable.unescape("a\\134b"));
        assertEquals("a\\9", MountTable.unescape("a\\9"));
    }
}
