package org.aiofs.fs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

/** mount(8)'s option lists, as fstab and mount -o write them, turned into aiofs mount's options. */
class MountOptionListTest {
    private static final Predicate<String> MOUNT_OPTIONS = Set.of("format", "engine", "cache", "overlay")::contains;

    private static MountOptionList.Translation translate(String list) {
        return MountOptionList.translate(List.of(list.split(",")), MOUNT_OPTIONS);
    }

    @Test
    void roIsReadOnlyAndTheLastOfRoAndRwWins() {
        assertEquals(List.of("--read-only"), translate("ro").arguments());
        assertEquals(List.of(), translate("ro,rw").arguments());
        assertEquals(List.of("--read-only"), translate("rw,ro").arguments());
    }

    @Test
    void aiofsOptionsBecomeItsLongOptions() {
        MountOptionList.Translation t = translate("ro,format=qcow2,engine=sync,cache=none,overlay=/tmp/o.qcow2");
        assertEquals(List.of("--read-only", "--format=qcow2", "--engine=sync", "--cache=none",
                "--overlay=/tmp/o.qcow2"), t.arguments());
        assertEquals(List.of("--overlay"), translate("overlay").arguments());
    }

    @Test
    void libfuseOptionsPassAndFstabOnlyOnesAreIgnored() {
        MountOptionList.Translation t = translate("defaults,noauto,nofail,_netdev,x-systemd.automount,"
                + "X-mount.mkdir,comment=vm,user,noatime,relatime,allow_other,default_permissions,nosuid,nodev,"
                + "noexec,dev,suid");
        assertEquals(List.of(), t.arguments());
        assertEquals(List.of("allow_other", "default_permissions", "nosuid", "nodev", "noexec"), t.fuseOptions());
    }

    @Test
    void anUnknownOptionIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> translate("ro,bogus=1"));
        assertTrue(e.getMessage().startsWith("unknown mount option 'bogus=1'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertThrows(IllegalArgumentException.class, () -> translate("fsname=x"));
        assertFalse(MountOptionList.isKnown("sync", MOUNT_OPTIONS));
        assertTrue(MountOptionList.isKnown("x-gvfs-show", MOUNT_OPTIONS));
    }
}
