package org.aiofs.fs.kernel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.aiofs.fs.FileAttributes;
import org.aiofs.fs.FsException;
import org.aiofs.fs.ImageFileSystem;
import org.aiofs.fs.layout.DirectoryNode;
import org.aiofs.fs.layout.Node;

/**
 * A directory's entries as they were at OPENDIR (so a listing read in several READDIRs is
 * consistent even if the partition table changes meanwhile), and their encoding as
 * fuse_dirent or fuse_direntplus records: 8-byte aligned, each carrying the offset of the
 * next one ("." is 0, ".." 1, then the children).
 */
final class DirectoryListing {
    private static final int DIRENT_HEADER = 24;
    private static final int DT_DIR = 4;
    private static final int DT_REG = 8;

    private record Entry(String name, byte[] utf8, Node node, long inode, boolean directory) {
    }

    private final List<Entry> entries = new ArrayList<>();

    DirectoryListing(Node dir, long parentInode, List<Node> children) {
        entries.add(entry(".", null, dir.inode(), true));
        entries.add(entry("..", null, parentInode, true));
        for (Node child : children) {
            entries.add(entry(child.name(), child, child.inode(), child instanceof DirectoryNode));
        }
    }

    private static Entry entry(String name, Node node, long inode, boolean directory) {
        return new Entry(name, name.getBytes(StandardCharsets.UTF_8), node, inode, directory);
    }

    /**
     * Fills {@code out} with the entries from {@code offset} on, as many as fit; returns the
     * bytes used. With {@code plus}, each child's entry carries its attributes, and the
     * kernel then holds that node ({@code nodes.looked}); "." and ".." carry none.
     */
    int fill(ByteBuffer out, long offset, boolean plus, ImageFileSystem fs, NodeTable nodes) {
        int used = 0;
        for (long i = Math.max(0, offset); i < entries.size(); i++) {
            Entry e = entries.get((int) i);
            int record = align8((plus ? FuseAttr.ENTRY_OUT_SIZE : 0) + DIRENT_HEADER + e.utf8().length);
            if (used + record > out.capacity()) {
                break;
            }
            int at = used;
            if (plus) {
                FileAttributes attributes = attributesOrNull(e, fs);
                if (attributes != null) {
                    FuseAttr.putEntry(out, at, attributes);
                    nodes.looked(e.node());
                } else {
                    FuseAttr.putNoEntry(out, at);
                }
                at += FuseAttr.ENTRY_OUT_SIZE;
            }
            out.putLong(at, e.inode());
            out.putLong(at + 8, i + 1);
            out.putInt(at + 16, e.utf8().length);
            out.putInt(at + 20, e.directory() ? DT_DIR : DT_REG);
            out.put(at + DIRENT_HEADER, e.utf8());
            for (int pad = at + DIRENT_HEADER + e.utf8().length; pad < used + record; pad++) {
                out.put(pad, (byte) 0);
            }
            used += record;
        }
        return used;
    }

    /** A child's attributes; null for "." and "..", and for a child whose attributes can't be had now. */
    private static FileAttributes attributesOrNull(Entry e, ImageFileSystem fs) {
        if (e.node() == null) {
            return null;
        }
        try {
            return fs.attributes(e.node());
        } catch (FsException ex) {
            return null; // logged by the filesystem; the kernel will LOOKUP it and get the error then
        }
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }
}
