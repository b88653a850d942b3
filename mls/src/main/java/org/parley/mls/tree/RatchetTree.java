package org.parley.mls.tree;

import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.extensions.RequiredCapabilities;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The ratchet tree (RFC 9420 Sections 4 and 7) in its array representation (Section 4.1.2,
 * Appendix C): node {@code i} of a tree with a power-of-two number of leaves, null for blank.
 *
 * <p>Operations: add (leftmost blank leaf, extending when full), update and remove (blanking the
 * direct path, truncating), resolution (4.1.1), filtered direct path, tree hash (7.8) and parent
 * hash (7.9) with their verification (7.9.2), and the tree checks a joiner runs (12.4.3.1).
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
    private byte[][] treeHashes;
    private int leafCount;
    /** Leaves that hold a LeafNode; blank leaves are clear bits. */
    private final BitSet occupied;
    /** No blank leaf lies left of this index. */
    private int blankHint;

    private RatchetTree(CipherSuite suite, Node[] nodes, int leafCount, BitSet occupied) {
        this.suite = suite;
        this.nodes = nodes;
        this.leafCount = leafCount;
        this.treeHashes = new byte[nodes.length][];
        this.occupied = occupied;
        this.blankHint = 0;
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

    /** An independent copy (nodes are immutable, so they are shared), for staging a commit. */
    public RatchetTree copy() {
        RatchetTree copy = new RatchetTree(suite, nodes.clone(), leafCount, (BitSet) occupied.clone());
        copy.treeHashes = treeHashes.clone();
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

    public boolean isBlank(int nodeIndex) {
        return nodes[nodeIndex] == null;
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

    /** The encryption keys of every non-blank node, for the freshness check on a received UpdatePath (Section 12.4.2). */
    public Set<HpkePublicKey> encryptionKeys() {
        Set<HpkePublicKey> keys = new HashSet<>();
        for (Node node : nodes) {
            if (node != null) {
                keys.add(node.encryptionKey());
            }
        }
        return keys;
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
        invalidate(nodeIndex);
    }

    private void invalidate(int nodeIndex) {
        int root = root();
        int x = nodeIndex;
        treeHashes[x] = null;
        while (x != root) {
            x = TreeMath.parent(x, leafCount);
            treeHashes[x] = null;
        }
    }

    /**
     * Add (Section 12.1.1): places the leaf at the leftmost blank leaf, extending the tree when
     * there is none, and lists it as unmerged at every non-blank parent on its direct path.
     * Returns the new member's leaf index.
     */
    public int addLeaf(LeafNode leaf) {
        int index = occupied.nextClearBit(blankHint);
        if (index >= leafCount) {
            extend();
        }
        blankHint = index + 1;
        int nodeIndex = 2 * index;
        setNode(nodeIndex, new Node.Leaf(leaf));
        for (int p : TreeMath.directPath(nodeIndex, leafCount)) {
            ParentNode parent = parent(p);
            if (parent != null) {
                setNode(p, new Node.Parent(new ParentNode(parent.encryptionKey(), parent.parentHash(),
                        insertSorted(parent.unmergedLeaves(), index))));
            }
        }
        return index;
    }

    private static List<Integer> insertSorted(List<Integer> sorted, int value) {
        List<Integer> out = new ArrayList<>(sorted.size() + 1);
        boolean inserted = false;
        for (int v : sorted) {
            if (!inserted && value < v) {
                out.add(value);
                inserted = true;
            }
            if (v != value) {
                out.add(v);
            }
        }
        if (!inserted) {
            out.add(value);
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
        treeHashes = Arrays.copyOf(treeHashes, width);
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
            nodes = Arrays.copyOf(nodes, width);
            treeHashes = Arrays.copyOf(treeHashes, width);
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

    private boolean hasEmptyResolution(int x) {
        if (nodes[x] != null) {
            return false;
        }
        return TreeMath.isLeaf(x) || hasEmptyResolution(TreeMath.left(x)) && hasEmptyResolution(TreeMath.right(x));
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

    /** For each node of the filtered direct path, its child on the leaf's copath. */
    public int[] filteredCopath(int leafIndex) {
        int[] filtered = filteredDirectPath(leafIndex);
        int[] copath = new int[filtered.length];
        int leafNode = 2 * leafIndex;
        for (int i = 0; i < filtered.length; i++) {
            copath[i] = childTowards(filtered[i], leafNode) == TreeMath.left(filtered[i])
                    ? TreeMath.right(filtered[i]) : TreeMath.left(filtered[i]);
        }
        return copath;
    }

    /** Whether node {@code p} is a proper ancestor of node {@code x}. */
    static boolean isAncestor(int p, int x) {
        int level = TreeMath.level(p);
        return level > TreeMath.level(x) && (x >>> (level + 1)) == (p >>> (level + 1));
    }

    /** The child of ancestor {@code p} whose subtree holds node {@code x}. */
    static int childTowards(int p, int x) {
        return x < p ? TreeMath.left(p) : TreeMath.right(p);
    }

    // --- tree hash (Section 7.8) ---

    /** The tree hash of the whole tree (the root's). */
    public byte[] treeHash() {
        return treeHash(root());
    }

    /** The tree hash of the subtree under a node; cached until the subtree changes. */
    public byte[] treeHash(int nodeIndex) {
        byte[] cached = treeHashes[nodeIndex];
        if (cached == null) {
            cached = computeTreeHash(nodeIndex, Set.of());
            treeHashes[nodeIndex] = cached;
        }
        return cached;
    }

    /**
     * The tree hash of a subtree in the tree where the {@code excluded} leaves are blank and
     * absent from every unmerged_leaves list (the "original sibling tree hash" of Section 7.9).
     * Subtrees holding no excluded leaf reuse the cached hash, so this costs O(|excluded| log n).
     */
    private byte[] treeHashExcluding(int nodeIndex, Set<Integer> excluded) {
        if (excluded.isEmpty() || !containsAnyLeaf(nodeIndex, excluded)) {
            return treeHash(nodeIndex);
        }
        return computeTreeHash(nodeIndex, excluded);
    }

    private byte[] computeTreeHash(int x, Set<Integer> excluded) {
        TlsWriter input = new TlsWriter(256);
        if (TreeMath.isLeaf(x)) {
            int leafIndex = x / 2;
            Node node = excluded.contains(leafIndex) ? null : nodes[x];
            input.writeUint8(Node.LEAF).writeUint32(leafIndex);
            input.writeOptional(node, (w, n) -> ((Node.Leaf) n).leafNode().writeTo(w));
        } else {
            ParentNode parent = parent(x);
            if (parent != null && !excluded.isEmpty()) {
                List<Integer> kept = parent.unmergedLeaves().stream().filter(l -> !excluded.contains(l)).toList();
                parent = new ParentNode(parent.encryptionKey(), parent.parentHash(), kept);
            }
            input.writeUint8(Node.PARENT);
            input.writeOptional(parent, (w, p) -> p.writeTo(w));
            input.writeOpaque(treeHashExcluding(TreeMath.left(x), excluded));
            input.writeOpaque(treeHashExcluding(TreeMath.right(x), excluded));
        }
        return suite.hash(input.toByteArray());
    }

    /** Whether the subtree under node x spans any of the given leaf indices. */
    private static boolean containsAnyLeaf(int x, Collection<Integer> leaves) {
        int level = TreeMath.level(x);
        long first = ((long) x >>> (level + 1)) << level;
        long last = first + (1L << level) - 1;
        for (int leaf : leaves) {
            if (leaf >= first && leaf <= last) {
                return true;
            }
        }
        return false;
    }

    // --- parent hash (Section 7.9) ---

    /**
     * The parent hash of parent node {@code p} with copath child {@code siblingChild}:
     * Hash(ParentHashInput{encryption_key, parent_hash, original_sibling_tree_hash}).
     */
    public byte[] parentHash(int p, int siblingChild) {
        ParentNode parent = parent(p);
        Set<Integer> unmerged = new HashSet<>(parent.unmergedLeaves());
        TlsWriter input = new TlsWriter(128);
        input.writeOpaque(parent.encryptionKey().bytes());
        input.writeOpaque(parent.parentHash());
        input.writeOpaque(treeHashExcluding(siblingChild, unmerged));
        return suite.hash(input.toByteArray());
    }

    /**
     * Sets the parent_hash fields along a freshly updated filtered direct path, from the root
     * down (Section 7.9), and returns the value the leaf's parent_hash must take. The nodes of
     * {@code filteredDirectPath} must already hold their new keys with empty unmerged_leaves.
     */
    public byte[] setParentHashes(int leafIndex, int[] filteredDirectPath) {
        byte[] next = new byte[0];
        int leafNode = 2 * leafIndex;
        for (int i = filteredDirectPath.length - 1; i >= 0; i--) {
            int p = filteredDirectPath[i];
            ParentNode parent = parent(p);
            setNode(p, new Node.Parent(new ParentNode(parent.encryptionKey(), next, parent.unmergedLeaves())));
            int below = childTowards(p, leafNode);
            next = parentHash(p, below == TreeMath.left(p) ? TreeMath.right(p) : TreeMath.left(p));
        }
        return next;
    }

    /**
     * Verifies that every non-blank parent node is parent-hash valid (Section 7.9.2, "top down"):
     * exactly one descendant D in the resolution of a child C carries the parent hash of P with
     * copath child S, and P's unmerged leaves under C are exactly C's resolution without D.
     */
    public void verifyParentHashes() {
        for (int p = 1; p < nodes.length; p += 2) {
            ParentNode parent = parent(p);
            if (parent == null) {
                continue;
            }
            int matches = 0;
            for (int side = 0; side < 2; side++) {
                int c = side == 0 ? TreeMath.left(p) : TreeMath.right(p);
                int s = side == 0 ? TreeMath.right(p) : TreeMath.left(p);
                byte[] expected = parentHash(p, s);
                List<Integer> resolution = resolution(c);
                Set<Integer> unmergedUnderC = new HashSet<>();
                for (int leaf : parent.unmergedLeaves()) {
                    if (containsAnyLeaf(c, List.of(leaf))) {
                        unmergedUnderC.add(2 * leaf);
                    }
                }
                for (int d : resolution) {
                    if (!MessageDigest.isEqual(expected, storedParentHash(d))) {
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
    }

    /** The parent_hash field of a non-blank node; empty for leaves that carry none. */
    private byte[] storedParentHash(int x) {
        Node node = nodes[x];
        if (node instanceof Node.Parent parent) {
            return parent.parentNode().parentHash();
        }
        byte[] leafHash = ((Node.Leaf) node).leafNode().parentHash();
        return leafHash == null ? new byte[0] : leafHash;
    }

    // --- validation when joining (Section 12.4.3.1) ---

    /**
     * The ratchet tree checks a new member runs (Section 12.4.3.1), except comparing the tree hash
     * with GroupInfo, which the caller does with {@link #treeHash()}: unmerged leaves consistency,
     * unique keys, every leaf (Section 7.3 against {@code groupId}), then parent hashes, so that the
     * error names the most specific fault. {@code required} is the group's required_capabilities, or null.
     */
    public void validate(byte[] groupId, RequiredCapabilities required) {
        validateUnmergedLeaves();
        validateUniqueKeys();
        validateLeaves(groupId, required);
        verifyParentHashes();
    }

    private void validateLeaves(byte[] groupId, RequiredCapabilities required) {
        Set<Integer> credentialTypesInUse = new HashSet<>();
        for (int i = occupied.nextSetBit(0); i >= 0; i = occupied.nextSetBit(i + 1)) {
            LeafNode leaf = leaf(i);
            LeafNodeValidation.validate(leaf, suite, leaf.leafNodeSource(), groupId, i, required);
            credentialTypesInUse.add(leaf.credential().credentialType());
        }
        // Each member must support every credential type in use (Section 7.3): one set
        // comparison per leaf, never a comparison of every pair of leaves.
        for (int i = occupied.nextSetBit(0); i >= 0; i = occupied.nextSetBit(i + 1)) {
            Set<Integer> supported = new HashSet<>(leaf(i).capabilities().credentials());
            if (!supported.containsAll(credentialTypesInUse)) {
                throw new MlsProtocolException("leaf " + i + " does not support every credential type used in the group");
            }
        }
    }

    private void validateUnmergedLeaves() {
        for (int p = 1; p < nodes.length; p += 2) {
            ParentNode parent = parent(p);
            if (parent == null) {
                continue;
            }
            for (int leaf : parent.unmergedLeaves()) {
                if (leaf < 0 || leaf >= leafCount || !containsAnyLeaf(p, List.of(leaf)) || leaf(leaf) == null) {
                    throw new MlsProtocolException("parent node " + p + " lists unmerged leaf "
                            + Integer.toUnsignedString(leaf) + " that is not a member below it");
                }
                for (int x = TreeMath.parent(2 * leaf, leafCount); x != p; x = TreeMath.parent(x, leafCount)) {
                    ParentNode between = parent(x);
                    if (between != null && !between.unmergedLeaves().contains(leaf)) {
                        throw new MlsProtocolException("parent node " + x + " between leaf " + leaf + " and node " + p
                                + " does not list the leaf as unmerged");
                    }
                }
            }
        }
    }

    private void validateUniqueKeys() {
        Set<HpkePublicKey> encryptionKeys = new HashSet<>();
        Set<SignaturePublicKey> signatureKeys = new HashSet<>();
        for (int x = 0; x < nodes.length; x++) {
            Node node = nodes[x];
            if (node == null) {
                continue;
            }
            if (!encryptionKeys.add(node.encryptionKey())) {
                throw new MlsProtocolException("encryption key of node " + x + " appears in another node");
            }
            if (node instanceof Node.Leaf leaf && !signatureKeys.add(leaf.leafNode().signatureKey())) {
                throw new MlsProtocolException("signature key of leaf " + x / 2 + " appears in another leaf");
            }
        }
    }

    @Override
    public String toString() {
        return "RatchetTree[" + leafCount + " leaves, " + occupied.cardinality() + " members]";
    }
}
