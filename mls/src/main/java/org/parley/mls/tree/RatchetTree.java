package org.parley.mls.tree;

import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.ExtensionType;
import org.parley.mls.extensions.RequiredCapabilities;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The ratchet tree (RFC 9420 Sections 4 and 7) in its array representation (Section 4.1.2,
 * Appendix C): node {@code i} of a tree with a power-of-two number of leaves, null for blank.
 *
 * <p>Operations: add (leftmost blank leaf, extending when full), update and remove (blanking the
 * direct path, truncating), resolution (4.1.1) and filtered direct path. Tree hashes (7.8) live in
 * {@link TreeHashes}, parent hashes and their verification (7.9, 7.9.2) in {@link ParentHashes},
 * and the checks of a whole tree (7.3, 12.4.3.1) in {@link TreeValidator}; the methods here that
 * reach them are the tree's public API.
 *
 * <p>Cost: tree hashes are cached per node and a change invalidates only the changed node's
 * direct path, so re-hashing after adding, updating or removing one leaf costs O(log n) hashes.
 * Finding the leftmost blank leaf uses a monotone hint, so n successive adds cost O(n) overall.
 * No operation compares every leaf with every other leaf: uniqueness and capability checks use
 * hash sets. Not thread-safe: a group owns its tree.
 */
public final class RatchetTree {
    private final CipherSuite suite;
    private Node[] nodes;
    private TreeHashes treeHashes;
    private int leafCount;
    /** Leaves that hold a LeafNode; blank leaves are clear bits. */
    private final BitSet occupied;
    /**
     * Non-blank nodes by node index. A subtree is a contiguous range of node indices, so whether
     * its resolution is empty is one {@link BitSet#nextSetBit} call rather than a walk over blanks.
     */
    private final BitSet nonBlank;
    /** No blank leaf lies left of this index. */
    private int blankHint;

    private RatchetTree(CipherSuite suite, Node[] nodes, int leafCount, BitSet occupied) {
        this(suite, nodes, leafCount, occupied, nonBlankOf(nodes));
    }

    private RatchetTree(CipherSuite suite, Node[] nodes, int leafCount, BitSet occupied, BitSet nonBlank) {
        this.suite = suite;
        this.nodes = nodes;
        this.leafCount = leafCount;
        this.treeHashes = new TreeHashes(this, nodes.length);
        this.occupied = occupied;
        this.blankHint = 0;
        this.nonBlank = nonBlank;
    }

    /** Only set bits: clearing bits one by one makes BitSet rescan its trailing words each time. */
    private static BitSet nonBlankOf(Node[] nodes) {
        BitSet nonBlank = new BitSet(nodes.length);
        for (int i = 0; i < nodes.length; i++) {
            if (nodes[i] != null) {
                nonBlank.set(i);
            }
        }
        return nonBlank;
    }

    /** A one-member tree. */
    public static RatchetTree withFirstLeaf(CipherSuite suite, LeafNode leaf) {
        BitSet occupied = new BitSet();
        occupied.set(0);
        return new RatchetTree(suite, new Node[] {new Node.Leaf(leaf)}, 1, occupied);
    }

    /**
     * A tree from its node array, as {@link RatchetTreeCodec#decode} returns it (full width,
     * leaves at even and parents at odd positions). Content checks are {@link #validate}'s job.
     */
    public static RatchetTree fromNodes(CipherSuite suite, List<Node> nodeList) {
        int width = nodeList.size();
        int leaves = (width + 1) / 2;
        if (width == 0 || Integer.bitCount(leaves) != 1 || width != TreeMath.nodeWidth(leaves)) {
            throw new MlsProtocolException("a ratchet tree of " + width + " nodes is not a full binary tree");
        }
        Node[] array = new Node[width];
        BitSet occupied = new BitSet(leaves);
        for (int i = 0; i < width; i++) {
            Node node = nodeList.get(i);
            boolean wrongKind = TreeMath.isLeaf(i) ? node instanceof Node.Parent : node instanceof Node.Leaf;
            if (wrongKind) {
                throw new MlsProtocolException("ratchet tree node " + i + " has the wrong node type for its position");
            }
            array[i] = node;
            if (node != null && TreeMath.isLeaf(i)) {
                occupied.set(i / 2);
            }
        }
        if (occupied.isEmpty()) {
            throw new MlsProtocolException("ratchet tree has no member");
        }
        return new RatchetTree(suite, array, leaves, occupied);
    }

    /** Decodes an {@code optional<Node> ratchet_tree<V>}. */
    public static RatchetTree decode(CipherSuite suite, byte[] encoded) {
        return fromNodes(suite, RatchetTreeCodec.decode(encoded));
    }

    /** The {@code ratchet_tree} encoding, trailing blanks omitted. */
    public byte[] encode() {
        return RatchetTreeCodec.encode(Arrays.asList(nodes));
    }

    /** The tree carried in a {@code ratchet_tree} GroupInfo extension (Section 12.4.3.3). */
    public static RatchetTree fromExtension(CipherSuite suite, Extension extension) {
        if (extension.extensionType() != ExtensionType.RATCHET_TREE) {
            throw new MlsProtocolException("extension " + extension.extensionType() + " is not a ratchet_tree extension");
        }
        return decode(suite, extension.data().toByteArray());
    }

    /** This tree as a {@code ratchet_tree} extension for a GroupInfo. */
    public Extension toExtension() {
        return new Extension(ExtensionType.RATCHET_TREE, encode());
    }

    /** An independent copy (nodes are immutable, so they are shared), for staging a commit. */
    public RatchetTree copy() {
        RatchetTree copy = new RatchetTree(suite, nodes.clone(), leafCount, (BitSet) occupied.clone(), (BitSet) nonBlank.clone());
        copy.treeHashes = treeHashes.copyFor(copy);
        copy.blankHint = blankHint;
        return copy;
    }

    public CipherSuite cipherSuite() {
        return suite;
    }

    /** The number of leaves, blank or not: always a power of two. */
    public int leafCount() {
        return leafCount;
    }

    public int nodeWidth() {
        return nodes.length;
    }

    public int root() {
        return TreeMath.root(leafCount);
    }

    /** The node at a node index, null when blank. */
    public Node node(int nodeIndex) {
        return nodes[nodeIndex];
    }

    /** The LeafNode at a leaf index, null when blank or outside the tree. */
    public LeafNode leaf(int leafIndex) {
        if (leafIndex < 0 || leafIndex >= leafCount) {
            return null;
        }
        Node node = nodes[2 * leafIndex];
        return node == null ? null : ((Node.Leaf) node).leafNode();
    }

    /** The ParentNode at a (parent) node index, null when blank. */
    public ParentNode parent(int nodeIndex) {
        Node node = nodes[nodeIndex];
        return node == null ? null : ((Node.Parent) node).parentNode();
    }

    /** Indices of the non-blank leaves, in increasing order. */
    public List<Integer> memberLeaves() {
        List<Integer> members = new ArrayList<>(occupied.cardinality());
        for (int i = occupied.nextSetBit(0); i >= 0; i = occupied.nextSetBit(i + 1)) {
            members.add(i);
        }
        return members;
    }

    // --- changes (Sections 7.7, 12.1.1-12.1.3) ---

    /** Sets or blanks a node and drops the cached tree hashes that depended on it. */
    public void setNode(int nodeIndex, Node node) {
        if (TreeMath.isLeaf(nodeIndex)) {
            if (node instanceof Node.Parent) {
                throw new IllegalArgumentException("a parent node cannot be placed at leaf node " + nodeIndex);
            }
            occupied.set(nodeIndex / 2, node != null);
            if (node == null) {
                blankHint = Math.min(blankHint, nodeIndex / 2);
            }
        } else if (node instanceof Node.Leaf) {
            throw new IllegalArgumentException("a leaf node cannot be placed at parent node " + nodeIndex);
        }
        nodes[nodeIndex] = node;
        nonBlank.set(nodeIndex, node != null);
        treeHashes.invalidate(nodeIndex);
    }

    /**
     * Add (Section 12.1.1): places the leaf at the leftmost blank leaf, extending the tree when
     * there is none, and lists it as unmerged at every non-blank parent on its direct path.
     * Returns the new member's leaf index.
     */
    public int addLeaf(LeafNode leaf) {
        return addLeaves(List.of(leaf))[0];
    }

    /**
     * The Adds of one Commit, in order (Section 12.1.1): each leaf goes to the leftmost blank leaf
     * left by the previous ones. Unmerged-leaf lists are merged once per parent node, so adding k
     * members costs O(k log n) plus the size of those lists, not O(k^2). Returns the leaf indices.
     */
    public int[] addLeaves(List<LeafNode> leaves) {
        int[] indices = new int[leaves.size()];
        for (int i = 0; i < indices.length; i++) {
            int index = occupied.nextClearBit(blankHint);
            while (index >= leafCount) {
                extend();
            }
            blankHint = index + 1;
            setNode(2 * index, new Node.Leaf(leaves.get(i)));
            indices[i] = index;
        }
        Map<Integer, List<Integer>> newlyUnmerged = new TreeMap<>();
        for (int index : indices) {
            for (int p : TreeMath.directPath(2 * index, leafCount)) {
                if (nodes[p] != null) {
                    newlyUnmerged.computeIfAbsent(p, k -> new ArrayList<>()).add(index);
                }
            }
        }
        newlyUnmerged.forEach((p, added) -> {
            ParentNode parent = parent(p);
            setNode(p, new Node.Parent(new ParentNode(parent.encryptionKey(), parent.parentHash(),
                    mergeSorted(parent.unmergedLeaves(), added))));
        });
        return indices;
    }

    /** Merges two ascending lists of leaf indices. */
    private static List<Integer> mergeSorted(List<Integer> a, List<Integer> b) {
        List<Integer> out = new ArrayList<>(a.size() + b.size());
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (j == b.size() || i < a.size() && a.get(i) < b.get(j)) {
                out.add(a.get(i++));
            } else {
                out.add(b.get(j++));
            }
        }
        return out;
    }

    /** Doubles the leaf count: the old tree becomes the left subtree of a new blank root (Section 7.7). */
    private void extend() {
        if (leafCount >= TreeMath.MAX_LEAVES) {
            throw new MlsProtocolException("the tree cannot grow beyond 2^30 leaves");
        }
        leafCount *= 2;
        int width = TreeMath.nodeWidth(leafCount);
        nodes = Arrays.copyOf(nodes, width);
        treeHashes.resize(width);
    }

    /** Update (Section 12.1.2): replaces a member's leaf and blanks its direct path. */
    public void updateLeaf(int leafIndex, LeafNode leaf) {
        requireMember(leafIndex);
        setNode(2 * leafIndex, new Node.Leaf(leaf));
        blankDirectPath(leafIndex);
    }

    /** Remove (Section 12.1.3): blanks the leaf and its direct path, then truncates. */
    public void removeLeaf(int leafIndex) {
        requireMember(leafIndex);
        setNode(2 * leafIndex, null);
        blankDirectPath(leafIndex);
        truncate();
    }

    public void blankDirectPath(int leafIndex) {
        for (int p : TreeMath.directPath(2 * leafIndex, leafCount)) {
            if (nodes[p] != null) {
                setNode(p, null);
            }
        }
    }

    /** Halves the tree while its right half holds no member (Section 7.7). */
    private void truncate() {
        int last = occupied.length() - 1;
        if (last < 0) {
            throw new MlsProtocolException("removing the last member would leave an empty tree");
        }
        while (leafCount > 1 && last < leafCount / 2) {
            leafCount /= 2;
            int width = TreeMath.nodeWidth(leafCount);
            nonBlank.clear(width, nodes.length);
            nodes = Arrays.copyOf(nodes, width);
            treeHashes.resize(width);
        }
        blankHint = Math.min(blankHint, leafCount);
    }

    private void requireMember(int leafIndex) {
        if (leaf(leafIndex) == null) {
            throw new MlsProtocolException("leaf " + Integer.toUnsignedString(leafIndex) + " is not a member of the group");
        }
    }

    // --- resolution and paths (Section 4.1) ---

    /** The resolution of a node (Section 4.1.1): node indices, left to right. */
    public List<Integer> resolution(int nodeIndex) {
        List<Integer> out = new ArrayList<>();
        resolve(nodeIndex, out);
        return out;
    }

    private void resolve(int x, List<Integer> out) {
        Node node = nodes[x];
        if (node != null) {
            out.add(x);
            if (node instanceof Node.Parent parent) {
                for (int leaf : parent.parentNode().unmergedLeaves()) {
                    out.add(2 * leaf);
                }
            }
        } else if (!TreeMath.isLeaf(x)) {
            resolve(TreeMath.left(x), out);
            resolve(TreeMath.right(x), out);
        }
    }

    /** A resolution is empty exactly when every node of the subtree is blank (Section 4.1.1). */
    private boolean hasEmptyResolution(int x) {
        int halfSpan = (1 << TreeMath.level(x)) - 1;
        int next = nonBlank.nextSetBit(x - halfSpan);
        return next < 0 || next > x + halfSpan;
    }

    /**
     * The filtered direct path of a leaf (Section 4.1.2): its direct path without the nodes whose
     * child on the leaf's copath has an empty resolution. Node indices, bottom up.
     */
    public int[] filteredDirectPath(int leafIndex) {
        int x = 2 * leafIndex;
        int[] direct = TreeMath.directPath(x, leafCount);
        int[] filtered = new int[direct.length];
        int n = 0;
        int child = x;
        for (int p : direct) {
            int copathChild = child < p ? TreeMath.right(p) : TreeMath.left(p);
            if (!hasEmptyResolution(copathChild)) {
                filtered[n++] = p;
            }
            child = p;
        }
        return Arrays.copyOf(filtered, n);
    }

    // --- tree hash (Section 7.8), parent hash (Section 7.9), validation (Section 12.4.3.1) ---

    /** The tree hash of the whole tree (the root's). */
    public byte[] treeHash() {
        return treeHash(root());
    }

    /** {@link #treeHash()}, with the subtrees hashed over {@code parallelism} (a joiner hashes every node once). */
    public byte[] treeHash(Parallelism parallelism) {
        return treeHashes.rootHash(parallelism).clone();
    }

    /** The tree hash of the subtree under a node (Section 7.8); cached until the subtree changes. */
    public byte[] treeHash(int nodeIndex) {
        return treeHashes.treeHash(nodeIndex).clone();
    }

    TreeHashes treeHashes() {
        return treeHashes;
    }

    /** The parent hash of parent node {@code p} with copath child {@code siblingChild} (Section 7.9). */
    public byte[] parentHash(int p, int siblingChild) {
        return ParentHashes.parentHash(this, p, siblingChild);
    }

    /**
     * The ratchet tree checks a new member runs (Section 12.4.3.1, see {@link TreeValidator}),
     * except comparing the tree hash with GroupInfo's. {@code required} may be null.
     */
    public void validate(byte[] groupId, RequiredCapabilities required) {
        validate(groupId, required, Parallelism.NONE);
    }

    /** {@link #validate(byte[], RequiredCapabilities)} with the per-leaf signature checks split over {@code parallelism}. */
    public void validate(byte[] groupId, RequiredCapabilities required, Parallelism parallelism) {
        TreeValidator.validate(this, groupId, required, parallelism);
    }

    /** The checks of Section 7.3 that compare members with each other (see {@link TreeValidator}); O(n). */
    public void checkMemberConsistency() {
        TreeValidator.checkMemberConsistency(this);
    }

    /**
     * {@link #checkMemberConsistency()} for this tree when it passed that check before the leaves
     * {@code changedLeaves} were set (by a Commit's Adds and Updates): their keys against every
     * node, without hashing every key of the tree into a set.
     */
    public void checkChangedLeaves(Collection<Integer> changedLeaves) {
        TreeValidator.checkChangedLeaves(this, changedLeaves);
    }

    /** A node index whose encryption key is one of {@code keys}, or -1: O(n) lookups in a small set. */
    public int nodeWithEncryptionKeyIn(Set<HpkePublicKey> keys) {
        for (int x = nonBlank.nextSetBit(0); x >= 0; x = nonBlank.nextSetBit(x + 1)) {
            if (keys.contains(nodes[x].encryptionKey())) {
                return x;
            }
        }
        return -1;
    }

    /** The non-blank leaf indices, ascending, without boxing. */
    int[] occupiedLeaves() {
        return occupied.stream().toArray();
    }

    @Override
    public String toString() {
        return "RatchetTree[" + leafCount + " leaves, " + occupied.cardinality() + " members]";
    }
}
