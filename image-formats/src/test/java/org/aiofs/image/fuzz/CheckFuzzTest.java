package org.aiofs.image.fuzz;

import static org.aiofs.image.fuzz.OneLine.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.aiofs.image.CheckResult;
import org.aiofs.image.RepairMode;
import org.aiofs.image.qcow2.check.Qcow2Checker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * (c) `aiofs check` on untrusted bytes: it reports, repairs or fails with an IOException, and
 * never crashes or hangs; a repair that ends clean leaves an image that checks clean again.
 * Seeds: qcow2 images by qemu-img with data, zero clusters, compressed clusters, snapshots,
 * odd refcount widths. Fuzzing: {@code JAZZER_FUZZ=1 ... -Dtest=CheckFuzzTest}.
 */
class CheckFuzzTest {
    private static FuzzScratch scratch;
    private static final PrintWriter QUIET = new PrintWriter(Writer.nullWriter());

    @BeforeAll
    static void setUp() throws IOException {
        scratch = new FuzzScratch();
        FuzzSeeds s = FuzzSeeds.of(CheckFuzzTest.class, "checkAndRepair");
        s.run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=512", "plain.qcow2", "64k")
                .run("qemu-io", "-f", "qcow2", "-c", "write -P 1 0 3k", "-c", "write -z 8k 1k", "plain.qcow2")
                .run("qemu-img", "snapshot", "-c", "s1", "plain.qcow2")
                .run("qemu-io", "-f", "qcow2", "-c", "write -P 2 1k 1k", "-c", "discard 0 512", "plain.qcow2")
                .run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=1k,refcount_bits=4",
                        "narrow.qcow2", "32k")
                .run("qemu-io", "-f", "qcow2", "-c", "write -P 5 0 5k", "narrow.qcow2")
                .run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=16k,extended_l2=on", "ext.qcow2",
                        "128k")
                .run("qemu-io", "-f", "qcow2", "-c", "write -P 4 2k 3k", "-c", "write -z 40k 2k", "ext.qcow2")
                .run("qemu-img", "create", "-q", "-f", "raw", "text.raw", "4k")
                .run("qemu-io", "-f", "raw", "-c", "write -P 0x61 0 4k", "text.raw")
                .run("qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=512", "text.raw",
                        "compressed.qcow2");
        s.remove("text.raw");
    }

    @AfterAll
    static void tearDown() throws IOException {
        scratch.close();
    }

    @FuzzTest
    void checkAndRepair(byte[] data) throws IOException {
        Path image = scratch.file("image.qcow2", data);
        try {
            Qcow2Checker.check(image, RepairMode.NONE, QUIET);
        } catch (IOException e) {
            assertOneLine(e);
            return;
        }
        CheckResult repaired;
        try {
            repaired = Qcow2Checker.check(image, RepairMode.ALL, QUIET);
        } catch (IOException e) {
            assertOneLine(e);
            return;
        }
        if (repaired.exitCode() == CheckResult.EXIT_CLEAN) {
            CheckResult again = Qcow2Checker.check(image, RepairMode.NONE, QUIET);
            assertEquals(CheckResult.EXIT_CLEAN, again.exitCode(), "clean after a repair, then not: " + again);
        }
    }

}
