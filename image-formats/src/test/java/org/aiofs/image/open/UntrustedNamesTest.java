package org.aiofs.image.open;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.aiofs.aio.Futures;
import org.aiofs.aio.engine.SyncEngine;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageException;
import org.aiofs.testing.Qemu;
import org.aiofs.testing.Tool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names read from an image (backing files, external data files) are untrusted: by default they
 * must stay inside the named image's directory tree, a file already in the chain (by any name)
 * is refused as a loop before any lock collides with it, and the user's option widens the tree.
 * Images are made by qemu-img; -u keeps it from opening what they name.
 */
class UntrustedNamesTest {
    @TempDir
    Path root;

    Path dir;
    Path outside;
    SyncEngine engine;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createDirectory(root.resolve("vm"));
        outside = Files.createDirectory(root.resolve("elsewhere"));
        engine = new SyncEngine();
    }

    @AfterEach
    void tearDown() {
        engine.close();
    }

    @Test
    void backingFileOutsideTheTreeIsRefusedNamingTheOption() throws Exception {
        qemu("create", "-f", "qcow2", "-u", "-b", "/etc/passwd", "-F", "raw", "evil.qcow2", "1M");
        ImageException e = refused("evil.qcow2", true, NamedFilePolicy.confined());
        assertTrue(e.getMessage().contains("backing file '/etc/passwd'"), e.getMessage());
        assertTrue(e.getMessage().contains("outside " + dir.toRealPath()), e.getMessage());
        assertTrue(e.getMessage().contains("--allow-backing /etc"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        // the user's opt-in follows it (and says so)
        List<String> notices = new ArrayList<>();
        try (BlockImage img = new ImageOpener(engine).withPolicy(NamedFilePolicy.fromOptions(List.of("any")))
                .withNotices(notices::add).open(dir.resolve("evil.qcow2"), null, true)) {
            byte[] passwd = Files.readAllBytes(Path.of("/etc/passwd"));
            ByteBuffer b = ByteBuffer.allocate(Math.min(passwd.length, 64));
            Futures.await(img.read(0, b));
            assertArrayEquals(Arrays.copyOf(passwd, b.capacity()), b.array());
        }
        assertEquals(1, notices.size(), notices.toString());
        assertTrue(notices.get(0).contains("backing file /etc/passwd"), notices.toString());
    }

    @Test
    void relativeNamesThatClimbOutAreRefused() throws Exception {
        qemu("create", "-f", "qcow2", "../elsewhere/base.qcow2", "1M");
        qemu("create", "-f", "qcow2", "-u", "-b", "../elsewhere/base.qcow2", "-F", "qcow2", "top.qcow2", "1M");
        ImageException e = refused("top.qcow2", true, NamedFilePolicy.confined());
        assertTrue(e.getMessage().contains("resolves to " + outside.toRealPath().resolve("base.qcow2")),
                e.getMessage());
        List<String> notices = new ArrayList<>();
        try (BlockImage img = new ImageOpener(engine)
                .withPolicy(NamedFilePolicy.fromOptions(List.of(outside.toString())))
                .withNotices(notices::add).open(dir.resolve("top.qcow2"), null, true)) {
            assertEquals("qcow2", img.backing().format());
        }
        assertEquals(1, notices.size(), notices.toString());
        assertTrue(notices.get(0).contains("leaves " + dir.toRealPath()), notices.toString());
    }

    @Test
    void symbolicLinksAreFollowedBeforeJudging() throws Exception {
        qemu("create", "-f", "raw", "../elsewhere/secret.raw", "1M");
        Files.createSymbolicLink(dir.resolve("inside.raw"), outside.resolve("secret.raw"));
        qemu("create", "-f", "qcow2", "-u", "-b", "inside.raw", "-F", "raw", "top.qcow2", "1M");
        ImageException e = refused("top.qcow2", true, NamedFilePolicy.confined());
        assertTrue(e.getMessage().contains("resolves to " + outside.toRealPath().resolve("secret.raw")),
                e.getMessage());
    }

    @Test
    void chainsInsideTheTreeOpenWithoutANotice() throws Exception {
        Files.createDirectory(dir.resolve("bases"));
        qemu("create", "-f", "qcow2", "bases/base.qcow2", "1M");
        qemu("create", "-f", "qcow2", "-b", "bases/base.qcow2", "-F", "qcow2", "top.qcow2", "1M");
        List<String> notices = new ArrayList<>();
        try (BlockImage img = new ImageOpener(engine).withNotices(notices::add)
                .open(dir.resolve("top.qcow2"), null, false)) {
            assertEquals("qcow2", img.backing().format());
        }
        assertEquals(List.of(), notices);
    }

    /** A data file naming any host file would be written through disk.raw. */
    @Test
    void dataFileOutsideTheTreeIsRefused() throws Exception {
        qemu("create", "-f", "qcow2", "-o", "data_file=../elsewhere/victim.raw,data_file_raw=on", "d.qcow2", "1M");
        ImageException e = refused("d.qcow2", false, NamedFilePolicy.confined(), "qcow2");
        assertTrue(e.getMessage().contains("external data file '../elsewhere/victim.raw'"), e.getMessage());
        assertTrue(e.getMessage().contains("--allow-backing"), e.getMessage());
    }

    /** data_file_raw naming the image itself: a write to disk.raw would overwrite the qcow2 header. */
    @Test
    void dataFileThatIsTheImageItselfIsRefused() throws Exception {
        qemu("create", "-f", "qcow2", "-o", "data_file=d.raw,data_file_raw=on", "self.qcow2", "16M");
        qemu("amend", "-f", "qcow2", "-o", "data_file=self.qcow2", "self.qcow2");
        for (boolean readOnly : new boolean[] {true, false}) {
            ImageException e = refused("self.qcow2", readOnly, NamedFilePolicy.confined(), "qcow2");
            assertTrue(e.getMessage().contains("already part of this image (as its image): a loop"), e.getMessage());
        }
    }

    /** A hard link is the same file by another name: a loop, not "in use by another process". */
    @Test
    void hardLinksAreRecognisedAsTheSameFile() throws Exception {
        qemu("create", "-f", "qcow2", "-o", "data_file=d.raw,data_file_raw=on", "h.qcow2", "16M");
        Files.createLink(dir.resolve("h-link"), dir.resolve("h.qcow2"));
        qemu("amend", "-f", "qcow2", "-o", "data_file=h-link", "h.qcow2");
        for (boolean readOnly : new boolean[] {true, false}) {
            ImageException e = refused("h.qcow2", readOnly, NamedFilePolicy.confined(), "qcow2");
            assertTrue(e.getMessage().contains("'h-link' is " + dir.resolve("h.qcow2")), e.getMessage());
            assertFalse(e.getMessage().contains("in use"), e.getMessage());
        }
        qemu("create", "-f", "qcow2", "b.qcow2", "1M");
        Files.createLink(dir.resolve("b-link"), dir.resolve("b.qcow2"));
        qemu("rebase", "-u", "-F", "qcow2", "-b", "b-link", "b.qcow2");
        ImageException e = refused("b.qcow2", true, NamedFilePolicy.confined());
        assertTrue(e.getMessage().contains("a loop"), e.getMessage());
        assertFalse(e.getMessage().contains("in use"), e.getMessage());
    }

    /** A probed image that names where writes go could be a guest's raw disk with a forged header. */
    @Test
    void probedImageNamingADataFileIsWrittenOnlyWithItsFormatNamed() throws Exception {
        qemu("create", "-f", "qcow2", "-o", "data_file=p.raw", "p.qcow2", "1M");
        ImageException e = refused("p.qcow2", false, NamedFilePolicy.confined());
        assertTrue(e.getMessage().contains("format not given") && e.getMessage().contains("--format"),
                e.getMessage());
        try (BlockImage img = new ImageOpener(engine).open(dir.resolve("p.qcow2"), null, true)) {
            assertTrue(img.readOnly());
        }
        try (BlockImage img = new ImageOpener(engine).open(dir.resolve("p.qcow2"), "qcow2", false)) {
            assertFalse(img.readOnly());
        }
    }

    @Test
    void anAllowedTreeThatDoesNotExistIsAUsageError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NamedFilePolicy.fromOptions(List.of(root.resolve("nowhere").toString())));
        assertTrue(e.getMessage().contains("--allow-backing " + root.resolve("nowhere")), e.getMessage());
    }

    private ImageException refused(String image, boolean readOnly, NamedFilePolicy policy) {
        return refused(image, readOnly, policy, null);
    }

    private ImageException refused(String image, boolean readOnly, NamedFilePolicy policy, String format) {
        return assertThrows(ImageException.class,
                () -> new ImageOpener(engine).withPolicy(policy).open(dir.resolve(image), format, readOnly).close());
    }

    private void qemu(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        Tool.ok(dir, cmd.toArray(String[]::new));
    }
}
