package org.parley.mls.tree;

import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.crypto.SignaturePublicKey;
import org.parley.mls.extensions.RequiredCapabilities;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * The checks of a whole ratchet tree: those a new member runs when joining (RFC 9420 Section
 * 12.4.3.1: unmerged leaves, every leaf against Section 7.3, parent hashes of Section 7.9.2) and
 * those that compare members with each other (Section 7.3), which also run on a staged tree after
 * a Commit's proposals. The tree hash is compared with the GroupInfo's by the caller.
 */
final class TreeValidator {
    /** Below this many leaves a hand-off to another thread costs more than it saves. */
    private static final int LEAVES_PER_SHARE = 64;

    private TreeValidator() {
    }

    /**
     * Unmerged leaves consistency, every leaf (Section 7.3 against {@code groupId}), member
     * consistency, then parent hashes, so that the error names the most specific fault. The
     * per-leaf checks (a signature each, most of a large join's time) are split over
     * {@code parallelism} and report the same fault as a sequential run: that of the lowest
     * failing leaf. {@code required} is the group's required_capabilities, or null.
     */
    static void validate(RatchetTree tree, byte[] groupId, RequiredCapabilities required, Parallelism parallelism) {
        validateUnmergedLeaves(tree);
        validateLeaves(tree, groupId, required, parallelism);
        checkMemberConsistency(tree);
        ParentHashes.verify(tree);
    }

    private static void validateLeaves(RatchetTree tree, byte[] groupId, RequiredCapabilities required,
                                       Parallelism parallelism) {
        int[] leaves = tree.occupiedLeaves();
        int shares = Math.max(1, Math.min(parallelism.threads(), leaves.length / LEAVES_PER_SHARE));
        MlsProtocolException[] faults = new MlsProtocolException[shares];
        List<CompletableFuture<Void>> others = new ArrayList<>();
        for (int share = 1; share < shares; share++) {
            int from = (int) ((long) leaves.length * share / shares);
            int to = (int) ((long) leaves.length * (share + 1) / shares);
            int index = share;
            Runnable task = () -> faults[index] = validateLeaves(tree, leaves, from, to, groupId, required);
            try {
                others.add(CompletableFuture.runAsync(task, parallelism.executor()));
            } catch (RejectedExecutionException e) {
                task.run();
            }
        }
        faults[0] = validateLeaves(tree, leaves, 0, (int) ((long) leaves.length / shares), groupId, required);
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
    private static MlsProtocolException validateLeaves(RatchetTree tree, int[] leaves, int from, int to, byte[] groupId,
                                                       RequiredCapabilities required) {
        for (int k = from; k < to; k++) {
            LeafNode leaf = tree.leaf(leaves[k]);
            try {
                LeafNodeValidation.validate(leaf, tree.cipherSuite(), leaf.leafNodeSource(), groupId, leaves[k], required);
            } catch (MlsProtocolException e) {
                return e;
            }
        }
        return null;
    }

    /**
     * The checks of Section 7.3 that compare members with each other: encryption keys unique
     * across all nodes, signature keys unique across leaves, and every member supporting every
     * credential type in use. O(n) with hash sets, never a comparison of every pair of leaves.
     */
    static void checkMemberConsistency(RatchetTree tree) {
        Set<HpkePublicKey> encryptionKeys = new HashSet<>();
        Set<SignaturePublicKey> signatureKeys = new HashSet<>();
        Set<Integer> credentialTypesInUse = new HashSet<>();
        for (int x = 0; x < tree.nodeWidth(); x++) {
            Node node = tree.node(x);
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
        for (int i : tree.occupiedLeaves()) {
            Set<Integer> supported = new HashSet<>(tree.leaf(i).capabilities().credentials());
            if (!supported.containsAll(credentialTypesInUse)) {
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
