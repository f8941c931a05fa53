package org.aiofs.fs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `aiofs check` says what `qemu-img check` says: same report, same JSON, same exit code. */
class CheckCommandTest {
    @TempDir
    Path dir;

    private void image(String name) throws Exception {
        Tool.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", name, "64M");
        Tool.ok(dir, "qemu-io", "-c", "write -P 1 0 3M", "-c", "write -P 2 10M 100k", name);
        Tool.ok(dir, "qemu-img", "snapshot", "-c", "s1", name);
        Tool.ok(dir, "qemu-io", "-c", "write -P 3 1M 64k", name);
    }

    /** Raises the header cluster's 16-bit refcount to 2 and adds an unreferenced cluster at the end: 2 leaks. */
    private void leak(String name) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(48);
            long reftable = f.readLong();
            f.seek(reftable);
            long block = f.readLong();
            f.seek(block);
            f.writeShort(2);
            long clusters = (f.length() + 65535) / 65536;
            f.setLength((clusters + 1) * 65536);
            f.seek(block + clusters * 2);
            f.writeShort(1);
        }
    }

    private void assertSameOutputAsQemu(String image, int expectedExit) throws Exception {
        Tool.Result q = Tool.run(dir, "qemu-img", "check", image);
        CliResult a = CliResult.aiofs("check", dir.resolve(image).toString());
        assertEquals(expectedExit, q.exitCode(), q.stderr());
        assertEquals(q.exitCode(), a.exit(), a.err());
        assertEquals(q.stdout(), a.out());
        Tool.Result qj = Tool.run(dir, "qemu-img", "check", "--output=json", image);
        CliResult aj = CliResult.aiofs("check", "--output", "json", dir.resolve(image).toString());
        assertEquals(qj.exitCode(), aj.exit());
        JsonNode qn = new ObjectMapper().readTree(qj.stdout());
        JsonNode an = new ObjectMapper().readTree(aj.out());
        ((com.fasterxml.jackson.databind.node.ObjectNode) qn).remove("filename");
        ((com.fasterxml.jackson.databind.node.ObjectNode) an).remove("filename");
        assertEquals(qn, an);
    }

    @Test
    void cleanImageReportAndJsonAreQemus() throws Exception {
        image("a.qcow2");
        assertSameOutputAsQemu("a.qcow2", 0);
    }

    @Test
    void leaksExitThreeAndRepairLeavesTheImageCleanForQemu() throws Exception {
        image("a.qcow2");
        leak("a.qcow2");
        Files.copy(dir.resolve("a.qcow2"), dir.resolve("q.qcow2"), StandardCopyOption.REPLACE_EXISTING);
        assertSameOutputAsQemu("a.qcow2", 3);

        Tool.Result q = Tool.run(dir, "qemu-img", "check", "-r", "leaks", "q.qcow2");
        CliResult a = CliResult.aiofs("check", "--repair", dir.resolve("a.qcow2").toString());
        assertEquals(0, a.exit(), a.err());
        assertEquals(q.exitCode(), a.exit());
        assertEquals(q.stdout(), a.out());
        assertTrue(a.out().contains("2 leaked clusters"), a.out());
        assertEquals(0, Tool.run(dir, "qemu-img", "check", "a.qcow2").exitCode());
    }

    @Test
    void corruptionExitsTwoAndRepairAllFixesIt() throws Exception {
        image("a.qcow2");
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("a.qcow2").toFile(), "rw")) {
            f.seek(48);
            long reftable = f.readLong();
            f.seek(reftable);
            long block = f.readLong();
            f.seek(40);
            long l1 = f.readLong();
            f.seek(block + (l1 / 65536) * 2); // the active L1 table's cluster
            f.writeShort(0);
        }
        assertSameOutputAsQemu("a.qcow2", 2);
        assertEquals(2, CliResult.aiofs("check", "--repair=leaks", dir.resolve("a.qcow2").toString()).exit());
        CliResult all = CliResult.aiofs("check", "-r", "all", dir.resolve("a.qcow2").toString());
        assertEquals(0, all.exit(), all.err());
        assertEquals(0, Tool.run(dir, "qemu-img", "check", "a.qcow2").exitCode());
    }

    @Test
    void rawImagesHaveNothingToCheckAsInQemu() throws Exception {
        Files.write(dir.resolve("a.raw"), new byte[4096]);
        Tool.Result q = Tool.run(dir, "qemu-img", "check", "-f", "raw", "a.raw");
        CliResult a = CliResult.aiofs("check", dir.resolve("a.raw").toString());
        assertEquals(63, q.exitCode());
        assertEquals(63, a.exit());
        assertTrue(a.err().contains("does not support checks"), a.err());
    }

    @Test
    void unusableImagesAndBadArgumentsExitOne() throws Exception {
        Files.write(dir.resolve("bad.qcow2"), new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3});
        assertEquals(1, Tool.run(dir, "qemu-img", "check", "bad.qcow2").exitCode());
        CliResult a = CliResult.aiofs("check", dir.resolve("bad.qcow2").toString());
        assertEquals(1, a.exit());
        assertTrue(a.err().contains("bad.qcow2"), a.err());
        assertEquals(1, CliResult.aiofs("check", dir.resolve("missing.qcow2").toString()).exit());
        assertEquals(1, CliResult.aiofs("check", "--repair=everything", dir.resolve("bad.qcow2").toString()).exit());
        assertEquals(1, CliResult.aiofs("check", "--output", "xml", dir.resolve("bad.qcow2").toString()).exit());
    }
}
