package org.aiofs.fs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.aiofs.fs.ImageFileSystem;
import org.aiofs.fs.layout.DirectoryNode;
import org.aiofs.fs.layout.GeneratedFileNode;
import org.aiofs.fs.layout.MountLayout;
import org.aiofs.fs.layout.Node;
import org.junit.jupiter.api.Test;

/**
 * READDIR(PLUS) pages: a directory bigger than one reply is read in several, each starting at
 * the offset the last record gave, and every entry comes exactly once, 8-byte aligned.
 */
class DirectoryListingTest {
    private static final int DIRENT_HEADER = 24;

    @Test
    void aLongDirectoryIsReadInPagesWithNothingLostOrRepeated() {
        check(false);
    }

    @Test
    void readdirplusPagesCarryAttributesAndCountLookups() {
        check(true);
    }

    private static void check(boolean plus) {
        List<Node> children = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            children.add(new GeneratedFileNode("snapshot-with-a-long-name-" + i + ".raw", () -> new byte[7]));
        }
        DirectoryNode dir = new DirectoryNode("snapshots");
        ImageFileSystem fs = new ImageFileSystem(MountLayout.of(new GatedImage(1 << 20), false), 0, 0, 0);
        NodeTable nodes = new NodeTable(fs.root());
        DirectoryListing listing = new DirectoryListing(dir, 1, children);
        List<String> names = new ArrayList<>();
        long offset = 0;
        int pages = 0;
        while (true) {
            ByteBuffer page = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());
            int used = listing.fill(page, offset, plus, fs, nodes);
            if (used == 0) {
                break;
            }
            pages++;
            for (int at = 0; at < used; ) {
                assertEquals(0, at % 8, "records are 8-byte aligned");
                int entry = at;
                if (plus) {
                    long nodeId = page.getLong(at);
                    long size = page.getLong(at + 40 + 8);
                    at += FuseAttr.ENTRY_OUT_SIZE;
                    String name = name(page, at);
                    if (!name.equals(".") && !name.equals("..")) {
                        assertTrue(nodeId > 1, "a child carries its node id");
                        assertEquals(7, size, "and its attributes");
                    } else {
                        assertEquals(0, nodeId, ". and .. carry none");
                    }
                }
                names.add(name(page, at));
                offset = page.getLong(at + 8);
                at = entry + record(plus, page.getInt(at + 16));
            }
        }
        assertTrue(pages > 1, "300 entries need more than one 4 KiB page");
        List<String> expected = new ArrayList<>(List.of(".", ".."));
        children.forEach(c -> expected.add(c.name()));
        assertEquals(expected, names);
        assertEquals(plus ? 1 + 300 : 1, nodes.size(), "READDIRPLUS hands each child to the kernel");
        fs.close();
    }

    private static String name(ByteBuffer page, int at) {
        byte[] b = new byte[page.getInt(at + 16)];
        page.get(at + DIRENT_HEADER, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static int record(boolean plus, int nameLength) {
        return ((plus ? FuseAttr.ENTRY_OUT_SIZE : 0) + DIRENT_HEADER + nameLength + 7) & ~7;
    }
}
