package org.aiofs.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
                CommandResult fsck = tools.exec("e2fsck", "-fn", disk).assertSuccess();
                assertTrue(fsck.stdout().contains("11/32768 files"), fsck.stdout());
                tools.exec("fio", "--name=verify", "--filename=" + disk, "--rw=randwrite", "--bs=4k",
                        "--size=16m", "--offset=64m", "--verify=crc32c", "--do_verify=1", "--ioengine=psync")
                        .assertSuccess();
            }
        }
        Commands.run("e2fsck", "-fn", image.toString()).assertSuccess();
        assertTrue(Files.size(image) == 128L << 20);
    }
}
