package org.parley.mls.tree;

import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsWriter;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parent hashes (RFC 9420 Section 7.9): computing them, setting them along a committer's
 * filtered direct path (7.9.1), and verifying that every parent node of a tree is parent-hash
 * valid (7.9.2).
 */
final class ParentHashes {
    private ParentHashes() {
    }

    /**
     * The parent hash of parent node {@code p} with copath child {@code siblingChild}:
     * Hash(ParentHashInput{encryption_key, parent_hash, original_sibling_tree_hash}).
     */
    static byte[] parentHash(RatchetTree tree, int p, int siblingChild) {
        ParentNode parent = tree.parent(p);
        TreeHashes.LeafSet unmerged = new TreeHashes.LeafSet(parent.unmergedLeaves());
        TlsWriter input = new TlsWriter(128);
        input.writeOpaque(parent.encryptionKey().bytes());
        input.writeOpaque(parent.parentHash());
        input.writeOpaque(tree.treeHashes().treeHashExcluding(siblingChild, unmerged));
        return tree.cipherSuite().hash(input.toByteArray());
    }

    /**
     * Sets the parent_hash fields along a freshly updated filtered direct path, from the root
     * down (Section 7.9.1), and returns the value the leaf's parent_hash must take. The nodes of
     * {@code filteredDirectPath} must already hold their new keys with empty unmerged_leaves.
     */
    static Bytes setParentHashes(RatchetTree tree, int leafIndex, int[] filteredDirectPath) {
        Bytes next = Bytes.EMPTY;
        int leafNode = 2 * leafIndex;
        for (int i = filteredDirectPath.length - 1; i >= 0; i--) {
            int p = filteredDirectPath[i];
            ParentNode parent = tree.parent(p);
            tree.setNode(p, new Node.Parent(new ParentNode(parent.encryptionKey(), next, parent.unmergedLeaves())));
            int below = TreeMath.childTowards(p, leafNode);
            next = Bytes.copyOf(parentHash(tree, p, below == TreeMath.left(p) ? TreeMath.right(p) : TreeMath.left(p)));
        }
        return next;
    }

    /** Fewer parent nodes than this per chunk and handing them to another thread costs more than it saves. */
    private static final int MIN_PARENTS_PER_CHUNK = 256;

    /**
     * Verifies that every non-blank parent node is parent-hash valid (Section 7.9.2, "top down"):
     * exactly one descendant D in the resolution of a child C carries the parent hash of P with
     * copath child S, and P's unmerged leaves under C are exactly C's resolution without D.
     * Parent nodes are split over {@code parallelism}; the fault reported is the lowest node's.
     */
    static void verify(RatchetTree tree, Parallelism parallelism) {
        // Every subtree's hash is cached first, so the threads below only read the cache.
        tree.treeHashes().treeHash(tree.root());
        parallelism.forEachRange(tree.nodeWidth() / 2, MIN_PARENTS_PER_CHUNK, (from, to) -> {
            for (int k = from; k < to; k++) {
                verify(tree, 2 * k + 1);
            }
        });
    }

    private static void verify(RatchetTree tree, int p) {
        ParentNode parent = tree.parent(p);
        if (parent == null) {
            return;
        }
        int matches = 0;
        for (int side = 0; side < 2; side++) {
            int c = side == 0 ? TreeMath.left(p) : TreeMath.right(p);
            int s = side == 0 ? TreeMath.right(p) : TreeMath.left(p);
            byte[] expected = parentHash(tree, p, s);
            List<Integer> resolution = tree.resolution(c);
            Set<Integer> unmergedUnderC = new HashSet<>();
            for (int leaf : parent.unmergedLeaves()) {
                if (TreeMath.spansLeaf(c, leaf)) {
                    unmergedUnderC.add(2 * leaf);
                }
            }
            for (int d : resolution) {
                if (!storedParentHash(tree, d).constantTimeEquals(expected)) {
                    continue;
                }
                Set<Integer> rest = new HashSet<>(resolution);
                rest.remove(d);
                if (rest.equals(unmergedUnderC)) {
                    matches++;
                }
            }
        }
        if (matches != 1) {
            throw new MlsProtocolException("parent node " + p + " is not parent-hash valid ("
                    + (matches == 0 ? "no descendant carries its parent hash" : matches + " descendants claim it") + ")");
        }
    }

    /** The parent_hash field of a non-blank node; empty for leaves that carry none. */
    private static Bytes storedParentHash(RatchetTree tree, int x) {
        Node node = tree.node(x);
        if (node instanceof Node.Parent parent) {
            return parent.parentNode().parentHash();
        }
        Bytes leafHash = ((Node.Leaf) node).leafNode().parentHash();
        return leafHash == null ? Bytes.EMPTY : leafHash;
    }
}
