package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Standard tools, in a clean container, on the files aiofs exposes on the host. */
@ExtendWith(NoMountLeftBehind.class)
class ContainerToolsTest {
    @TempDir
    Path dir;

    @Test
    void fsckAndFioVerifyInAContainer() throws IOException {
        Path image = TestImages.sparseRaw(dir, "disk.img", 128L << 20);
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw")) {
            String disk = "/work/" + m.mountPoint().getFileName() + "/disk.raw";
            try (ToolsContainer tools = new ToolsContainer(dir, List.of())) {
                tools.exec("mkfs.ext4", "-q", "-F", disk).assertSuccess();
                Tool.Result fsck = tools.exec("e2fsck", "-fn", disk).assertSuccess();
                assertTrue(fsck.stdout().contains("11/32768 files"), fsck.stdout());
                tools.exec("fio", "--name=verify", "--filename=" + disk, "--rw=randwrite", "--bs=4k",
                        "--size=16m", "--offset=64m", "--verify=crc32c", "--do_verify=1", "--ioengine=psync")
                        .assertSuccess();
            }
        }
        Commands.run("e2fsck", "-fn", image.toString()).assertSuccess();
        assertTrue(Files.size(image) == 128L << 20);
    }

    @Test
    void partitionsServeStandardToolsInAContainer() throws IOException {
        Path image = TestImages.sparseRaw(dir, "disk.img", 128L << 20);
        SfdiskLayout.write(image, "label: dos\n,48M,83\n,16M,c\n,,83\n");
        String loop = Commands.run("losetup", "-f").assertSuccess().stdout().trim();
        try (MountedImage m = MountedImage.mount(image, dir, "--format", "raw");
             ToolsContainer tools = new ToolsContainer(dir, List.of("/dev/loop-control", loop))) {
            String mnt = "/work/" + m.mountPoint().getFileName();
            Tool.Result sfdisk = tools.exec("sfdisk", "--dump", mnt + "/disk.raw").assertSuccess();
            assertTrue(sfdisk.stdout().contains("type=c"), sfdisk.stdout());

            // ext4 on part1: mkfs, a file written with debugfs, fsck, then a loop mount reads it
            tools.exec("mkfs.ext4", "-q", "-F", mnt + "/part1.raw").assertSuccess();
            tools.exec("sh", "-c", "echo hello-from-part1 > /tmp/hello").assertSuccess();
            tools.exec("debugfs", "-w", "-R", "write /tmp/hello hello", mnt + "/part1.raw").assertSuccess();
            tools.exec("e2fsck", "-fn", mnt + "/part1.raw").assertSuccess();
            Tool.Result cat = tools.exec("debugfs", "-R", "cat hello", mnt + "/part1.raw").assertSuccess();
            assertTrue(cat.stdout().contains("hello-from-part1"), cat.stdout());
            tools.exec("mkdir", "-p", "/mnt/p1").assertSuccess();
            tools.exec("losetup", loop, mnt + "/part1.raw").assertSuccess();
            try {
                tools.exec("mount", "-o", "ro", loop, "/mnt/p1").assertSuccess();
                Tool.Result loopCat = tools.exec("cat", "/mnt/p1/hello").assertSuccess();
                assertTrue(loopCat.stdout().contains("hello-from-part1"), loopCat.stdout());
                tools.exec("umount", "/mnt/p1").assertSuccess();
            } finally {
                tools.exec("losetup", "-d", loop);
            }

            // FAT on part2 with mtools
            tools.exec("mkfs.vfat", mnt + "/part2.raw").assertSuccess();
            tools.exec("mcopy", "-i", mnt + "/part2.raw", "/etc/hostname", "::host.txt").assertSuccess();
            Tool.Result dir = tools.exec("mdir", "-b", "-i", mnt + "/part2.raw", "::").assertSuccess();
            assertTrue(dir.stdout().toLowerCase().contains("host.txt"), dir.stdout());

            // fio with verification on part3
            tools.exec("fio", "--name=verify", "--filename=" + mnt + "/part3.raw", "--rw=randwrite", "--bs=4k",
                    "--size=32m", "--verify=crc32c", "--do_verify=1", "--ioengine=psync").assertSuccess();
        }
        // the FAT partition's bytes are where sfdisk says, as the host sees the image
        SfdiskLayout.Entry p2 = SfdiskLayout.of(image).partitions().get(1);
        Tool.Result hostDir = Commands.run("mdir", "-b", "-i", image + "@@" + p2.start(), "::").assertSuccess();
        assertTrue(hostDir.stdout().toLowerCase().contains("host.txt"), hostDir.stdout());
    }
}
