package org.aiofs.fs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `aiofs check` says what `qemu-img check` says: same report, same JSON, same exit code. */
class CheckCommandTest {
    @TempDir
    Path dir;

    private record Result(int exit, String out, String err) {
    }

    private Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out, err);
    }

    private void ok(String... command) throws IOException, InterruptedException {
        Result r = run(command);
        assertEquals(0, r.exit(), String.join(" ", command) + ": " + r.out() + r.err());
    }

    private static Result aiofs(String... args) {
        CommandLine cl = AiofsCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private void image(String name) throws Exception {
        ok("qemu-img", "create", "-q", "-f", "qcow2", name, "64M");
        ok("qemu-io", "-c", "write -P 1 0 3M", "-c", "write -P 2 10M 100k", name);
        ok("qemu-img", "snapshot", "-c", "s1", name);
        ok("qemu-io", "-c", "write -P 3 1M 64k", name);
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
        Result q = run("qemu-img", "check", image);
        Result a = aiofs("check", dir.resolve(image).toString());
        assertEquals(expectedExit, q.exit(), q.err());
        assertEquals(q.exit(), a.exit(), a.err());
        assertEquals(q.out(), a.out());
        Result qj = run("qemu-img", "check", "--output=json", image);
        Result aj = aiofs("check", "--output", "json", dir.resolve(image).toString());
        assertEquals(qj.exit(), aj.exit());
        JsonNode qn = new ObjectMapper().readTree(qj.out());
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

        Result q = run("qemu-img", "check", "-r", "leaks", "q.qcow2");
        Result a = aiofs("check", "--repair", dir.resolve("a.qcow2").toString());
        assertEquals(0, a.exit(), a.err());
        assertEquals(q.exit(), a.exit());
        assertEquals(q.out(), a.out());
        assertTrue(a.out().contains("2 leaked clusters"), a.out());
        assertEquals(0, run("qemu-img", "check", "a.qcow2").exit());
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
        assertEquals(2, aiofs("check", "--repair=leaks", dir.resolve("a.qcow2").toString()).exit());
        Result all = aiofs("check", "-r", "all", dir.resolve("a.qcow2").toString());
        assertEquals(0, all.exit(), all.err());
        assertEquals(0, run("qemu-img", "check", "a.qcow2").exit());
    }

    @Test
    void rawImagesHaveNothingToCheckAsInQemu() throws Exception {
        Files.write(dir.resolve("a.raw"), new byte[4096]);
        Result q = run("qemu-img", "check", "-f", "raw", "a.raw");
        Result a = aiofs("check", dir.resolve("a.raw").toString());
        assertEquals(63, q.exit());
        assertEquals(63, a.exit());
        assertTrue(a.err().contains("does not support checks"), a.err());
    }

    @Test
    void unusableImagesAndBadArgumentsExitOne() throws Exception {
        Files.write(dir.resolve("bad.qcow2"), new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3});
        assertEquals(1, run("qemu-img", "check", "bad.qcow2").exit());
        Result a = aiofs("check", dir.resolve("bad.qcow2").toString());
        assertEquals(1, a.exit());
        assertTrue(a.err().contains("bad.qcow2"), a.err());
        assertEquals(1, aiofs("check", dir.resolve("missing.qcow2").toString()).exit());
        assertEquals(1, aiofs("check", "--repair=everything", dir.resolve("bad.qcow2").toString()).exit());
        assertEquals(1, aiofs("check", "--output", "xml", dir.resolve("bad.qcow2").toString()).exit());
    }
}
