package org.parley.mls.tree;

import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.extensions.RequiredCapabilities;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The checks of a whole ratchet tree: those a new member runs when joining (RFC 9420 Section
 * 12.4.3.1: unmerged leaves, every leaf against Section 7.3, parent hashes of Section 7.9.2) and
 * those that compare members with each other (Section 7.3), which also run on a staged tree after
 * a Commit's proposals. The tree hash is compared with the GroupInfo's by the caller.
 */
final class TreeValidator {
    /** Fewer leaves than this per chunk and handing them to another thread costs more than it saves. */
    private static final int MIN_LEAVES_PER_CHUNK = 64;

    private TreeValidator() {
    }

    /**
     * Unmerged leaves consistency, every leaf (Section 7.3 against {@code groupId}), member
     * consistency, then parent hashes, so that the error names the most specific fault. The
     * per-leaf checks (a signature each, most of a large join's time) and the parent hashes are
     * split over {@code parallelism} and report the same fault as a sequential run: that of the
     * lowest failing leaf or parent. {@code required} is the group's required_capabilities, or null.
     */
    static void validate(RatchetTree tree, byte[] groupId, RequiredCapabilities required, Parallelism parallelism) {
        validateUnmergedLeaves(tree);
        int[] leaves = tree.occupiedLeaves();
        parallelism.forEachRange(leaves.length, MIN_LEAVES_PER_CHUNK, (from, to) -> {
            for (int k = from; k < to; k++) {
                LeafNode leaf = tree.leaf(leaves[k]);
                LeafNodeValidation.validate(leaf, tree.cipherSuite(), leaf.leafNodeSource(), groupId, leaves[k], required);
            }
        });
        checkMemberConsistency(tree);
        ParentHashes.verify(tree, parallelism);
    }

    /**
     * The checks of Section 7.3 that compare members with each other: encryption keys unique
     * across all nodes, signature keys unique across leaves, and every member supporting every
     * credential type in use. O(n) with hash sets, never a comparison of every pair of leaves.
     */
    static void checkMemberConsistency(RatchetTree tree) {
        Set<HpkePublicKey> encryptionKeys = new HashSet<>(2 * tree.nodeWidth());
        Set<SignaturePublicKey> signatureKeys = new HashSet<>(tree.nodeWidth());
        for (int x = 0; x < tree.nodeWidth(); x++) {
            Node node = tree.node(x);
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
        checkCredentialSupport(tree, null);
    }

    /**
     * {@link #checkMemberConsistency} for a tree that passed it before the leaves in
     * {@code changedLeaves} were set (a Commit's Adds and Updates): only their keys can collide,
     * so they are compared with every node through a small set instead of hashing the whole tree
     * into one. Leaves of {@code changedLeaves} that are blank now are skipped, and one listed twice counts once.
     */
    static void checkChangedLeaves(RatchetTree tree, Collection<Integer> changedLeaves) {
        Map<HpkePublicKey, Integer> encryptionKeys = new HashMap<>();
        Map<SignaturePublicKey, Integer> signatureKeys = new HashMap<>();
        // In ascending order, as the whole-tree check walks nodes: a collision between two changed leaves names the later one.
        Set<Integer> changed = new TreeSet<>(changedLeaves);
        for (int leafIndex : changed) {
            LeafNode leaf = tree.leaf(leafIndex);
            if (leaf == null) {
                continue;
            }
            if (encryptionKeys.put(leaf.encryptionKey(), 2 * leafIndex) != null) {
                throw new MlsProtocolException("encryption key of node " + 2 * leafIndex + " appears in another node");
            }
            if (signatureKeys.put(leaf.signatureKey(), leafIndex) != null) {
                throw new MlsProtocolException("signature key of leaf " + leafIndex + " appears in another leaf");
            }
        }
        for (int x = 0; x < tree.nodeWidth(); x++) {
            Node node = tree.node(x);
            if (node == null) {
                continue;
            }
            Integer sameKey = encryptionKeys.get(node.encryptionKey());
            if (sameKey != null && sameKey != x) {
                throw new MlsProtocolException("encryption key of node " + Math.max(x, sameKey) + " appears in another node");
            }
            if (node instanceof Node.Leaf leaf) {
                Integer sameSigner = signatureKeys.get(leaf.leafNode().signatureKey());
                if (sameSigner != null && sameSigner != x / 2) {
                    throw new MlsProtocolException("signature key of leaf " + Math.max(x / 2, sameSigner) + " appears in another leaf");
                }
            }
        }
        checkCredentialSupport(tree, changed);
    }

    /**
     * Every member supports every credential type in use. With {@code changedLeaves} (the tree
     * passed this check before they were set), only they are checked, unless one of them brings
     * a type no other member uses: then every member must support it. Groups use a handful of
     * types, so a leaf's list is searched directly; a per-leaf hash set only when many types are
     * in use, which keeps a hostile tree with many types linear.
     */
    private static void checkCredentialSupport(RatchetTree tree, Set<Integer> changedLeaves) {
        Set<Integer> typesInUse = new HashSet<>();
        Set<Integer> typesOfOthers = new HashSet<>();
        int[] leaves = tree.occupiedLeaves();
        for (int i : leaves) {
            int type = tree.leaf(i).credential().credentialType();
            typesInUse.add(type);
            if (changedLeaves != null && !changedLeaves.contains(i)) {
                typesOfOthers.add(type);
            }
        }
        boolean checkEveryone = changedLeaves == null || typesOfOthers.size() < typesInUse.size();
        List<Integer> required = List.copyOf(typesInUse);
        for (int i : checkEveryone ? leaves : changedLeaves.stream().mapToInt(Integer::intValue).sorted().toArray()) {
            LeafNode leaf = tree.leaf(i);
            if (leaf == null) {
                continue;
            }
            List<Integer> supported = leaf.capabilities().credentials();
            boolean supportsAll = required.size() <= 4 ? supported.containsAll(required) : new HashSet<>(supported).containsAll(required);
            if (!supportsAll) {
                throw new MlsProtocolException("leaf " + i + " does not support every credential type used in the group");
            }
        }
    }

    /**
     * Every leaf a parent lists as unmerged is a member below it, and every parent between that
     * leaf and the parent lists it too (Section 12.4.3.1).
     */
    private static void validateUnmergedLeaves(RatchetTree tree) {
        int leafCount = tree.leafCount();
        for (int p = 1; p < tree.nodeWidth(); p += 2) {
            ParentNode parent = tree.parent(p);
            if (parent == null) {
                continue;
            }
            for (int leaf : parent.unmergedLeaves()) {
                if (leaf < 0 || leaf >= leafCount || !TreeMath.spansLeaf(p, leaf) || tree.leaf(leaf) == null) {
                    throw new MlsProtocolException("parent node " + p + " lists unmerged leaf "
                            + Integer.toUnsignedString(leaf) + " that is not a member below it");
                }
                for (int x = TreeMath.parent(2 * leaf, leafCount); x != p; x = TreeMath.parent(x, leafCount)) {
                    ParentNode between = tree.parent(x);
                    if (between != null && Collections.binarySearch(between.unmergedLeaves(), leaf) < 0) {
                        throw new MlsProtocolException("parent node " + x + " between leaf " + leaf + " and node " + p
                                + " does not list the leaf as unmerged");
                    }
                }
            }
        }
    }
}
