package org.aiofs.image.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.aiofs.aio.engine.ThreadPoolEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;
import org.aiofs.image.ImageOpener;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** blockStatus agrees with `qemu-img map` on which bytes hold data, through the backing chain. */
class Qcow2BlockStatusTest {
    private static final Pattern ENTRY = Pattern.compile(
            "\"start\": (\\d+), \"length\": (\\d+),[^}]*\"data\": (true|false)");

    @TempDir
    Path dir;

    @Test
    void matchesQemuImgMap() throws Exception {
        Files.write(dir.resolve("src.raw"), new byte[1 << 20]);
        Qemu.img(dir, "create", "-f", "qcow2", "base.qcow2", "4M");
        Qemu.io(dir.resolve("base.qcow2"), "qcow2", "write -P 1 1M 256k", "write -P 2 3M 64k");
        Qemu.img(dir, "create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2", "6M");
        Qemu.io(dir.resolve("top.qcow2"), "qcow2", "write -P 3 0 64k", "write -z 1M 64k", "write -P 4 5M 128k",
                "write -z 3M 4096");
        String map = Tool.ok(dir, "qemu-img", "map", "--output=json", "top.qcow2");
        long size = 6 << 20;
        int unit = 4096;
        boolean[] data = new boolean[(int) (size / unit)];
        Matcher m = ENTRY.matcher(map);
        long covered = 0;
        while (m.find()) {
            long start = Long.parseLong(m.group(1));
            long length = Long.parseLong(m.group(2));
            for (long o = start; o < start + length; o += unit) {
                data[(int) (o / unit)] = m.group(3).equals("true");
            }
            covered += length;
        }
        assertEquals(size, covered, map);
        try (ThreadPoolEngine engine = new ThreadPoolEngine(2);
                BlockImage img = new ImageOpener(engine).open(dir.resolve("top.qcow2"), null, true)) {
            long pos = 0;
            int runs = 0;
            while (pos < size) {
                BlockStatus s = img.blockStatus(pos, size - pos);
                assertEquals(pos, s.offset());
                assertTrue(s.length() > 0);
                for (long o = pos; o < pos + s.length(); o += unit) {
                    assertEquals(data[(int) (o / unit)], s.kind() == BlockStatus.Kind.DATA,
                            "at " + o + " in run " + s + "\n" + map);
                }
                pos += s.length();
                runs++;
            }
            assertTrue(runs >= 7, "distinct runs: " + runs);
        }
    }
}
