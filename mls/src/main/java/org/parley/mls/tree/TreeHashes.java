package org.parley.mls.tree;

import org.parley.mls.codec.TlsWriter;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Tree hashes (RFC 9420 Section 7.8) of one {@link RatchetTree}: {@code Hash(TreeHashInput)} of
 * every subtree, cached per node. A change to a node drops the cached hashes of its direct path
 * only, so re-hashing after one leaf changes costs O(log n) hashes. Also the tree hash of a
 * subtree with some leaves left out, which parent hashes need (Section 7.9).
 */
final class TreeHashes {
    /** Fewer leaves than this under a subtree and hashing it on another thread costs more than it saves. */
    private static final int MIN_LEAVES_PER_SUBTREE = 64;
    private final RatchetTree tree;
    private byte[][] cache;

    TreeHashes(RatchetTree tree, int nodeWidth) {
        this.tree = tree;
        this.cache = new byte[nodeWidth][];
    }

    /** The same cached hashes for a copy of the tree (hashes are never mutated, so they are shared). */
    TreeHashes copyFor(RatchetTree copy) {
        TreeHashes hashes = new TreeHashes(copy, 0);
        hashes.cache = cache.clone();
        return hashes;
    }

    /** Follows the tree's node array when it is extended or truncated (Section 7.7). */
    void resize(int nodeWidth) {
        cache = Arrays.copyOf(cache, nodeWidth);
    }

    /** Drops the cached hashes that depend on a changed node: its own and its direct path's. */
    void invalidate(int nodeIndex) {
        int root = tree.root();
        int x = nodeIndex;
        cache[x] = null;
        while (x != root) {
            x = TreeMath.parent(x, tree.leafCount());
            cache[x] = null;
        }
    }

    /**
     * The whole tree's hash, the subtrees under the top levels hashed over {@code parallelism}
     * first: each thread fills the cache slots of its own subtrees only, and the calling thread
     * then hashes the top levels from them.
     */
    byte[] rootHash(Parallelism parallelism) {
        int treeLevel = TreeMath.log2(tree.leafCount());
        int subtreesLevel = Math.max(TreeMath.log2(MIN_LEAVES_PER_SUBTREE), treeLevel - TreeMath.log2((long) Parallelism.CHUNKS_PER_THREAD * parallelism.threads()));
        if (parallelism.threads() > 1 && subtreesLevel < treeLevel && cache[tree.root()] == null) {
            parallelism.forEachRange(tree.leafCount() >> subtreesLevel, 1, (from, to) -> {
                for (int k = from; k < to; k++) {
                    treeHash((k << (subtreesLevel + 1)) + (1 << subtreesLevel) - 1);
                }
            });
        }
        return treeHash(tree.root());
    }

    /** The tree hash of the subtree under a node: the cached array itself, which callers must not leak or modify. */
    byte[] treeHash(int nodeIndex) {
        byte[] cached = cache[nodeIndex];
        if (cached == null) {
            cached = compute(nodeIndex, LeafSet.EMPTY);
            cache[nodeIndex] = cached;
        }
        return cached;
    }

    /**
     * The tree hash of a subtree in the tree where the {@code excluded} leaves are blank and
     * absent from every unmerged_leaves list (the "original sibling tree hash" of Section 7.9).
     * Subtrees holding no excluded leaf reuse the cached hash, so this costs O(|excluded| log n)
     * hashes and O(log |excluded|) per membership test.
     */
    byte[] treeHashExcluding(int nodeIndex, LeafSet excluded) {
        if (!excluded.anyUnder(nodeIndex)) {
            return treeHash(nodeIndex);
        }
        return compute(nodeIndex, excluded);
    }

    /** {@code Hash(TreeHashInput)}: a LeafNodeHashInput or a ParentNodeHashInput with its children's hashes. */
    private byte[] compute(int x, LeafSet excluded) {
        TlsWriter input = new TlsWriter(256);
        if (TreeMath.isLeaf(x)) {
            int leafIndex = x / 2;
            Node node = excluded.contains(leafIndex) ? null : tree.node(x);
            input.writeUint8(Node.LEAF).writeUint32(leafIndex);
            input.writeOptional(node, (w, n) -> ((Node.Leaf) n).leafNode().writeTo(w));
        } else {
            ParentNode parent = tree.parent(x);
            if (parent != null && excluded.size() > 0) {
                List<Integer> kept = parent.unmergedLeaves().stream().filter(l -> !excluded.contains(l)).toList();
                parent = new ParentNode(parent.encryptionKey(), parent.parentHash(), kept);
            }
            input.writeUint8(Node.PARENT);
            input.writeOptional(parent, (w, p) -> p.writeTo(w));
            input.writeOpaque(treeHashExcluding(TreeMath.left(x), excluded));
            input.writeOpaque(treeHashExcluding(TreeMath.right(x), excluded));
        }
        return tree.cipherSuite().hash(input.toByteArray());
    }

    /** A sorted set of leaf indices that answers "is any of them under node x" by binary search. */
    static final class LeafSet {
        static final LeafSet EMPTY = new LeafSet(List.of());
        private final int[] sorted;

        LeafSet(Collection<Integer> leaves) {
            sorted = leaves.stream().mapToInt(Integer::intValue).sorted().toArray();
        }

        int size() {
            return sorted.length;
        }

        boolean contains(int leafIndex) {
            return Arrays.binarySearch(sorted, leafIndex) >= 0;
        }

        boolean anyUnder(int x) {
            if (sorted.length == 0) {
                return false;
            }
            int level = TreeMath.level(x);
            long first = ((long) x >>> (level + 1)) << level;
            int at = Arrays.binarySearch(sorted, (int) first);
            int insertion = at >= 0 ? at : -at - 1;
            return insertion < sorted.length && sorted[insertion] < first + (1L << level);
        }
    }
}
