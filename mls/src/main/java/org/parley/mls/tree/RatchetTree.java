package org.parley.mls.tree;

import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.codec.TlsWriter;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.ExtensionType;
import org.parley.mls.extensions.RequiredCapabilities;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

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
    /** Below this many leaves a hand-off to another thread costs more than it saves. */
    private static final int LEAVES_PER_SHARE = 64;

    private final CipherSuite suite;
    private Node[] nodes;
    private byte[][] treeHashes;
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
        this.treeHashes = new byte[nodes.length][];
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
        return decode(suite, extension.data());
    }

    /** This tree as a {@code ratchet_tree} extension for a GroupInfo. */
    public Extension toExtension() {
        return new Extension(ExtensionType.RATCHET_TREE, encode());
    }

    /** An independent copy (nodes are immutable, so they are shared), for staging a commit. */
    public RatchetTree copy() {
        RatchetTree copy = new RatchetTree(suite, nodes.clone(), leafCount, (BitSet) occupied.clone(), (BitSet) nonBlank.clone());
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
        nonBlank.set(nodeIndex, node != null);
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
            nonBlank.clear(width, nodes.length);
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
        return cachedTreeHash(nodeIndex).clone();
    }

    /** The cached array itself, for hashing inputs that never leak it. */
    private byte[] cachedTreeHash(int nodeIndex) {
        byte[] cached = treeHashes[nodeIndex];
        if (cached == null) {
            cached = computeTreeHash(nodeIndex, LeafSet.EMPTY);
            treeHashes[nodeIndex] = cached;
        }
        return cached;
    }

    /**
     * The tree hash of a subtree in the tree where the {@code excluded} leaves are blank and
     * absent from every unmerged_leaves list (the "original sibling tree hash" of Section 7.9).
     * Subtrees holding no excluded leaf reuse the cached hash, so this costs O(|excluded| log n)
     * hashes and O(log |excluded|) per membership test.
     */
    private byte[] treeHashExcluding(int nodeIndex, LeafSet excluded) {
        if (!excluded.anyUnder(nodeIndex)) {
            return cachedTreeHash(nodeIndex);
        }
        return computeTreeHash(nodeIndex, excluded);
    }

    private byte[] computeTreeHash(int x, LeafSet excluded) {
        TlsWriter input = new TlsWriter(256);
        if (TreeMath.isLeaf(x)) {
            int leafIndex = x / 2;
            Node node = excluded.contains(leafIndex) ? null : nodes[x];
            input.writeUint8(Node.LEAF).writeUint32(leafIndex);
            input.writeOptional(node, (w, n) -> ((Node.Leaf) n).leafNode().writeTo(w));
        } else {
            ParentNode parent = parent(x);
            if (parent != null && excluded.size() > 0) {
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

    /** Whether the subtree under node x spans the given leaf index. */
    private static boolean spansLeaf(int x, int leafIndex) {
        int level = TreeMath.level(x);
        long first = ((long) x >>> (level + 1)) << level;
        return leafIndex >= first && leafIndex < first + (1L << level);
    }

    /** A sorted set of leaf indices that answers "is any of them under node x" by binary search. */
    private static final class LeafSet {
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

    // --- parent hash (Section 7.9) ---

    /**
     * The parent hash of parent node {@code p} with copath child {@code siblingChild}:
     * Hash(ParentHashInput{encryption_key, parent_hash, original_sibling_tree_hash}).
     */
    public byte[] parentHash(int p, int siblingChild) {
        ParentNode parent = parent(p);
        LeafSet unmerged = new LeafSet(parent.unmergedLeaves());
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
                    if (spansLeaf(c, leaf)) {
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
     * every leaf (Section 7.3 against {@code groupId}), {@link #checkMemberConsistency()}, then
     * parent hashes, so that the error names the most specific fault. {@code required} is the group's required_capabilities, or null.
     */
    public void validate(byte[] groupId, RequiredCapabilities required) {
        validate(groupId, required, Parallelism.NONE);
    }

    /**
     * {@link #validate(byte[], RequiredCapabilities)} with the per-leaf checks (a signature each,
     * most of a large join's time) split over {@code parallelism}. Reports the same fault as the
     * sequential run: that of the lowest failing leaf.
     */
    public void validate(byte[] groupId, RequiredCapabilities required, Parallelism parallelism) {
        validateUnmergedLeaves();
        validateLeaves(groupId, required, parallelism);
        checkMemberConsistency();
        verifyParentHashes();
    }

    private void validateLeaves(byte[] groupId, RequiredCapabilities required, Parallelism parallelism) {
        int[] leaves = occupied.stream().toArray();
        int shares = Math.max(1, Math.min(parallelism.threads(), leaves.length / LEAVES_PER_SHARE));
        MlsProtocolException[] faults = new MlsProtocolException[shares];
        List<CompletableFuture<Void>> others = new ArrayList<>();
        for (int share = 1; share < shares; share++) {
            int from = (int) ((long) leaves.length * share / shares);
            int to = (int) ((long) leaves.length * (share + 1) / shares);
            int index = share;
            Runnable task = () -> faults[index] = validateLeaves(leaves, from, to, groupId, required);
            try {
                others.add(CompletableFuture.runAsync(task, parallelism.executor()));
            } catch (RejectedExecutionException e) {
                task.run();
            }
        }
        faults[0] = validateLeaves(leaves, 0, (int) ((long) leaves.length / shares), groupId, required);
        for (CompletableFuture<Void> other : others) {
            other.join();
        }
        for (MlsProtocolException fault : faults) {
            if (fault != null) {
                throw fault;
            }
        }
    }

    /** Checks leaves[from, to) in order; the first fault, or null. */
    private MlsProtocolException validateLeaves(int[] leaves, int from, int to, byte[] groupId, RequiredCapabilities required) {
        for (int k = from; k < to; k++) {
            LeafNode leaf = leaf(leaves[k]);
            try {
                LeafNodeValidation.validate(leaf, suite, leaf.leafNodeSource(), groupId, leaves[k], required);
            } catch (MlsProtocolException e) {
                return e;
            }
        }
        return null;
    }

    /**
     * The checks of Section 7.3 that compare members with each other: encryption keys unique
     * across all nodes, signature keys unique across leaves, and every member supporting every
     * credential type in use. Run once on a staged tree after applying a Commit's proposals; it
     * costs O(n) with hash sets, never a comparison of every pair of leaves.
     */
    public void checkMemberConsistency() {
        Set<HpkePublicKey> encryptionKeys = new HashSet<>();
        Set<SignaturePublicKey> signatureKeys = new HashSet<>();
        Set<Integer> credentialTypesInUse = new HashSet<>();
        for (int x = 0; x < nodes.length; x++) {
            Node node = nodes[x];
            if (node == null) {
                continue;
            }
            if (!encryptionKeys.add(node.encryptionKey())) {
                throw new MlsProtocolException("encryption key of node " + x + " appears in another node");
            }
            if (node instanceof Node.Leaf leaf) {
                if (!signatureKeys.add(leaf.leafNode().signatureKey())) {
                    throw new MlsProtocolException("signature key of leaf " + x / 2 + " appears in another leaf");
                }
                credentialTypesInUse.add(leaf.leafNode().credential().credentialType());
            }
        }
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
                if (leaf < 0 || leaf >= leafCount || !spansLeaf(p, leaf) || leaf(leaf) == null) {
                    throw new MlsProtocolException("parent node " + p + " lists unmerged leaf "
                            + Integer.toUnsignedString(leaf) + " that is not a member below it");
                }
                for (int x = TreeMath.parent(2 * leaf, leafCount); x != p; x = TreeMath.parent(x, leafCount)) {
                    ParentNode between = parent(x);
                    if (between != null && Collections.binarySearch(between.unmergedLeaves(), leaf) < 0) {
                        throw new MlsProtocolException("parent node " + x + " between leaf " + leaf + " and node " + p
                                + " does not list the leaf as unmerged");
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "RatchetTree[" + leafCount + " leaves, " + occupied.cardinality() + " members]";
    }
}
