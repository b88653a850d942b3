package org.parley.mls.tree;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.credentials.Credential;
import org.parley.mls.credentials.UnknownCredential;
import org.parley.mls.crypto.HpkePublicKey;
import org.parley.mls.extensions.Capabilities;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.mls.tree.TestMembers.GROUP_ID;
import static org.parley.mls.tree.TestMembers.RANDOM;
import static org.parley.mls.tree.TestMembers.SUITE;

class RatchetTreeTest {
    /** Five members, member 0 commits a path, then a sixth member is added (unmerged at the root). */
    private static RatchetTree committedTree(List<TestMembers.Member> members) {
        RatchetTree tree = TestMembers.treeOf(members.subList(0, 5));
        TreeKem.createUpdatePath(tree, 0, members.get(0).leaf(), members.get(0).signature().privateKey(), GROUP_ID,
                Set.of(), TestMembers::context, RANDOM);
        tree.addLeaf(members.get(5).leaf());
        return tree;
    }

    @Test
    void aValidTreeRoundTripsAndValidates() {
        RatchetTree tree = committedTree(TestMembers.members(6));
        tree.validate(GROUP_ID, null);
        RatchetTree decoded = RatchetTree.fromExtension(SUITE, tree.toExtension());
        assertThat(decoded.treeHash()).isEqualTo(tree.treeHash());
        decoded.validate(GROUP_ID, null);
        assertThat(tree.parent(tree.root()).unmergedLeaves()).containsExactly(5);
    }

    @Test
    void aWrongParentHashIsRejected() {
        RatchetTree tree = committedTree(TestMembers.members(6));
        int root = tree.root();
        int below = TreeMath.left(root);
        ParentNode p = tree.parent(below);
        byte[] wrong = p.parentHash().toByteArray();
        wrong[0] ^= 1;
        tree.setNode(below, new Node.Parent(new ParentNode(p.encryptionKey(), Bytes.copyOf(wrong), p.unmergedLeaves())));
        assertThatThrownBy(() -> tree.validate(GROUP_ID, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("not parent-hash valid");
    }

    @Test
    void aReplacedParentKeyBreaksTheChain() {
        RatchetTree tree = committedTree(TestMembers.members(6));
        int root = tree.root();
        ParentNode p = tree.parent(root);
        tree.setNode(root, new Node.Parent(new ParentNode(SUITE.generateHpkeKeyPair(RANDOM).publicKey(), p.parentHash(),
                p.unmergedLeaves())));
        assertThatThrownBy(() -> tree.validate(GROUP_ID, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("parent node " + root + " is not parent-hash valid");
    }

    @Test
    void aBadLeafSignatureIsRejected() {
        List<TestMembers.Member> members = TestMembers.members(6);
        RatchetTree tree = committedTree(members);
        LeafNode leaf = tree.leaf(3);
        byte[] signature = leaf.signature().toByteArray();
        signature[5] ^= 1;
        LeafNode forged = new LeafNode(leaf.encryptionKey(), leaf.signatureKey(), leaf.credential(), leaf.capabilities(),
                leaf.leafNodeSource(), leaf.lifetime(), leaf.parentHash(), leaf.extensions(), Bytes.copyOf(signature));
        tree.setNode(6, new Node.Leaf(forged));
        assertThatThrownBy(() -> tree.validate(GROUP_ID, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("signature is invalid (leaf 3)");
    }

    private static void forgeSignature(RatchetTree tree, int leafIndex) {
        LeafNode leaf = tree.leaf(leafIndex);
        byte[] signature = leaf.signature().toByteArray();
        signature[5] ^= 1;
        tree.setNode(2 * leafIndex, new Node.Leaf(new LeafNode(leaf.encryptionKey(), leaf.signatureKey(), leaf.credential(),
                leaf.capabilities(), leaf.leafNodeSource(), leaf.lifetime(), leaf.parentHash(), leaf.extensions(),
                Bytes.copyOf(signature))));
    }

    @Test
    void leavesCheckedOnLentThreadsReportTheSameFaultAsTheCallingThreadAlone() {
        ExecutorService lent = Executors.newFixedThreadPool(3);
        try {
            Parallelism threads = new Parallelism(lent, 4);
            RatchetTree tree = TestMembers.treeOf(TestMembers.members(300));
            tree.validate(GROUP_ID, null, threads);
            forgeSignature(tree, 290);
            forgeSignature(tree, 170);
            for (Parallelism parallelism : List.of(Parallelism.NONE, threads)) {
                assertThatThrownBy(() -> tree.validate(GROUP_ID, null, parallelism)).as(parallelism.threads() + " threads")
                        .isInstanceOf(MlsProtocolException.class).hasMessageContaining("signature is invalid (leaf 170)");
            }
            lent.shutdown();
            assertThatThrownBy(() -> tree.validate(GROUP_ID, null, threads)).as("an executor that refuses work")
                    .isInstanceOf(MlsProtocolException.class).hasMessageContaining("signature is invalid (leaf 170)");
        } finally {
            lent.shutdownNow();
        }
    }

    @Test
    void aCommitLeafSignedForAnotherGroupIsRejected() {
        RatchetTree tree = committedTree(TestMembers.members(6));
        assertThatThrownBy(() -> tree.validate("other".getBytes(), null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("signature is invalid (leaf 0)");
    }

    @Test
    void duplicateKeysAreRejected() {
        List<TestMembers.Member> members = TestMembers.members(3);
        TestMembers.Member twin = members.get(1);
        RatchetTree sameSignatureKey = TestMembers.treeOf(List.of(members.get(0), twin, withKeys(members.get(2), null, twin)));
        assertThatThrownBy(() -> sameSignatureKey.validate(GROUP_ID, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("signature key of leaf 2");
        RatchetTree sameEncryptionKey = TestMembers.treeOf(List.of(members.get(0), twin, withKeys(members.get(2), twin.leaf().encryptionKey(), null)));
        assertThatThrownBy(() -> sameEncryptionKey.validate(GROUP_ID, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("encryption key of node 4");
    }

    @Test
    void aChangedLeafIsComparedWithEveryNodeAsTheWholeTreeCheckWould() {
        List<TestMembers.Member> members = TestMembers.members(8);
        RatchetTree tree = committedTree(members);
        int pathParent = tree.filteredDirectPath(0)[0];
        HpkePublicKey parentKey = tree.parent(pathParent).encryptionKey();
        TestMembers.Member twin = members.get(1);

        RatchetTree fresh = tree.copy();
        int added = fresh.addLeaf(members.get(6).leaf());
        fresh.checkChangedLeaves(List.of(added, added));
        fresh.checkMemberConsistency();

        RatchetTree parentKeyReused = tree.copy();
        int reusing = parentKeyReused.addLeaf(withKeys(members.get(6), parentKey, null).leaf());
        assertThatThrownBy(() -> parentKeyReused.checkChangedLeaves(List.of(reusing)))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("encryption key of node " + Math.max(pathParent, 2 * reusing));
        assertThatThrownBy(parentKeyReused::checkMemberConsistency).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("encryption key of node " + Math.max(pathParent, 2 * reusing));

        RatchetTree signatureKeyReused = tree.copy();
        int signing = signatureKeyReused.addLeaf(withKeys(members.get(6), null, twin).leaf());
        assertThatThrownBy(() -> signatureKeyReused.checkChangedLeaves(List.of(signing)))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("signature key of leaf " + signing);

        // Two new leaves that collide only with each other, and an Update whose leaf was then removed (blank: skipped).
        RatchetTree twins = tree.copy();
        int[] both = twins.addLeaves(List.of(members.get(6).leaf(), withKeys(members.get(7), members.get(6).leaf().encryptionKey(), null).leaf()));
        assertThatThrownBy(() -> twins.checkChangedLeaves(List.of(both[0], both[1])))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("encryption key of node " + 2 * both[1]);
        RatchetTree removed = tree.copy();
        removed.removeLeaf(3);
        removed.checkChangedLeaves(List.of(3));

        // A new credential type every other member must support, and a new member that does not support the types in use.
        RatchetTree newType = tree.copy();
        int exoticLeaf = newType.addLeaf(exotic(members.get(6), List.of(1, 0xf000)));
        assertThatThrownBy(() -> newType.checkChangedLeaves(List.of(exoticLeaf)))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("leaf 0 does not support every credential type");
        RatchetTree narrow = tree.copy();
        int narrowLeaf = narrow.addLeaf(withCredential(members.get(6), members.get(6).leaf().credential(), List.of(0xf000)));
        assertThatThrownBy(() -> narrow.checkChangedLeaves(List.of(narrowLeaf)))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("leaf " + narrowLeaf + " does not support every credential type");
    }

    @Test
    void aTreeHashedOnLentThreadsEqualsTheCallingThreadsHash() {
        ExecutorService lent = Executors.newFixedThreadPool(3);
        try {
            RatchetTree tree = TestMembers.treeOf(TestMembers.members(300));
            byte[] alone = tree.copy().treeHash();
            for (int threads = 2; threads <= 4; threads++) {
                RatchetTree decoded = RatchetTree.decode(SUITE, tree.encode());
                assertThat(decoded.treeHash(new Parallelism(lent, threads))).as(threads + " threads").isEqualTo(alone);
                assertThat(decoded.treeHash(TreeMath.left(decoded.root()))).isEqualTo(tree.treeHash(TreeMath.left(tree.root())));
            }
        } finally {
            lent.shutdownNow();
        }
    }

    /** A member whose leaf reuses another's encryption key or signature key pair, validly signed, so that only the duplicate is wrong. */
    private static TestMembers.Member withKeys(TestMembers.Member m, HpkePublicKey encryption, TestMembers.Member signer) {
        LeafNode l = m.leaf();
        TestMembers.Member keyOwner = signer == null ? m : signer;
        LeafNode changed = new LeafNode(encryption == null ? l.encryptionKey() : encryption,
                keyOwner.signature().publicKey(), l.credential(), l.capabilities(), l.leafNodeSource(),
                l.lifetime(), null, l.extensions(), Bytes.EMPTY);
        return new TestMembers.Member(changed.sign(SUITE, keyOwner.signature().privateKey(), GROUP_ID, 0), m.encryption(),
                keyOwner.signature());
    }

    @Test
    void aCredentialTypeSomeMemberDoesNotSupportIsRejected() {
        List<TestMembers.Member> members = TestMembers.members(2);
        RatchetTree tree = RatchetTree.withFirstLeaf(SUITE, members.get(0).leaf());
        tree.addLeaf(exotic(members.get(1), List.of(1, 0xf000)));
        assertThatThrownBy(tree::checkMemberConsistency)
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("leaf 0 does not support every credential type");
    }

    /** The member's leaf with a credential of type 0xf000 and the given supported credential types. */
    private static LeafNode exotic(TestMembers.Member member, List<Integer> supported) {
        return withCredential(member, new UnknownCredential(0xf000, Bytes.fromHex("01")), supported);
    }

    private static LeafNode withCredential(TestMembers.Member member, Credential credential, List<Integer> supported) {
        LeafNode l = member.leaf();
        return new LeafNode(l.encryptionKey(), l.signatureKey(), credential,
                new Capabilities(List.of(1), List.of(1), List.of(), List.of(), supported),
                l.leafNodeSource(), l.lifetime(), null, l.extensions(), Bytes.EMPTY)
                .sign(SUITE, member.signature().privateKey(), GROUP_ID, 0);
    }

    @Test
    void inconsistentUnmergedLeavesAreRejected() {
        RatchetTree tree = committedTree(TestMembers.members(6));
        int root = tree.root();
        ParentNode p = tree.parent(root);
        RatchetTree blankEntry = tree.copy();
        blankEntry.setNode(root, new Node.Parent(new ParentNode(p.encryptionKey(), p.parentHash(), List.of(5, 7))));
        assertThatThrownBy(() -> blankEntry.validate(GROUP_ID, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("lists unmerged leaf 7 that is not a member below it");
        // Leaf 5 (node 10) reaches the root through node 11: a non-blank node 11 must list it too.
        RatchetTree gap = tree.copy();
        gap.setNode(11, new Node.Parent(new ParentNode(SUITE.generateHpkeKeyPair(RANDOM).publicKey(), Bytes.EMPTY, List.of())));
        assertThatThrownBy(() -> gap.validate(GROUP_ID, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("parent node 11 between leaf 5 and node 7");
    }

    @Test
    void addRemoveAndTruncateFollowSection7_7() {
        List<TestMembers.Member> members = TestMembers.members(5);
        RatchetTree tree = TestMembers.treeOf(members);
        assertThat(tree.leafCount()).isEqualTo(8);
        tree.removeLeaf(2);
        assertThat(tree.addLeaf(TestMembers.member("x").leaf())).isEqualTo(2);
        tree.removeLeaf(4);
        assertThat(tree.leafCount()).isEqualTo(4);
        tree.removeLeaf(3);
        assertThat(tree.leafCount()).isEqualTo(4);
        tree.removeLeaf(2);
        assertThat(tree.leafCount()).isEqualTo(2);
        assertThat(tree.memberLeaves()).containsExactly(0, 1);
        assertThatThrownBy(() -> tree.removeLeaf(3)).isInstanceOf(MlsProtocolException.class).hasMessageContaining("not a member");
        assertThat(RatchetTree.decode(SUITE, tree.encode()).treeHash()).isEqualTo(tree.treeHash());
    }

    /**
     * A 50,000-member tree: adds, removes and re-hashes incrementally, and every cached tree hash
     * equals the hash of the same tree decoded afresh. Checks correctness only, never time.
     */
    @Test
    void fiftyThousandLeavesHashIncrementallyAndCorrectly() {
        LeafNode template = TestMembers.member("template").leaf();
        RatchetTree tree = RatchetTree.withFirstLeaf(SUITE, distinct(template, 0));
        for (int i = 1; i < 50_000; i++) {
            tree.addLeaf(distinct(template, i));
        }
        assertThat(tree.leafCount()).isEqualTo(65_536);
        byte[] before = tree.treeHash();
        assertThat(RatchetTree.decode(SUITE, tree.encode()).treeHash()).isEqualTo(before);
        List<byte[]> hashes = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            tree.removeLeaf(i * 97);
            hashes.add(tree.treeHash());
            assertThat(tree.addLeaf(distinct(template, 100_000 + i))).isEqualTo(i * 97);
            hashes.add(tree.treeHash());
        }
        assertThat(hashes.stream().map(Arrays::hashCode).distinct().count()).isEqualTo(hashes.size());
        assertThat(RatchetTree.decode(SUITE, tree.encode()).treeHash()).isEqualTo(tree.treeHash());
        for (int i = 49_999; i >= 32_768; i--) {
            tree.removeLeaf(i);
        }
        assertThat(tree.leafCount()).isEqualTo(32_768);
        assertThat(RatchetTree.decode(SUITE, tree.encode()).treeHash()).isEqualTo(tree.treeHash());
    }

    /**
     * Members 0 and 4095 of a 4096-leaf tree, then member 0 commits: the root is its only
     * non-blank parent, so every Add lands in the root's unmerged_leaves.
     */
    private static RatchetTree sparseCommittedTree() {
        TestMembers.Member first = TestMembers.member("first");
        LeafNode template = first.leaf();
        RatchetTree tree = RatchetTree.withFirstLeaf(SUITE, first.leaf());
        for (int i = 1; i < 4095; i++) {
            tree.addLeaf(distinct(template, i));
        }
        tree.addLeaf(TestMembers.member("last").leaf());
        for (int i = 1; i < 4095; i++) {
            tree.removeLeaf(i);
        }
        TreeKem.createUpdatePath(tree, 0, first.leaf(), first.signature().privateKey(), GROUP_ID, Set.of(),
                TestMembers::context, RANDOM);
        return tree;
    }

    @Test
    void addingManyMembersInOneCommitMatchesAddingThemOneByOne() {
        RatchetTree oneByOne = sparseCommittedTree();
        assertThat(oneByOne.leafCount()).isEqualTo(4096);
        RatchetTree batch = oneByOne.copy();
        RatchetTree large = oneByOne.copy();
        LeafNode template = TestMembers.member("joiner").leaf();
        List<LeafNode> joiners = new ArrayList<>();
        for (int i = 0; i < 30_000; i++) {
            joiners.add(distinct(template, 200_000 + i));
        }
        for (int i = 0; i < 2_000; i++) {
            assertThat(oneByOne.addLeaf(joiners.get(i))).isEqualTo(i + 1);
        }
        batch.addLeaves(joiners.subList(0, 2_000));
        assertThat(batch.encode()).isEqualTo(oneByOne.encode());
        assertThat(batch.treeHash()).isEqualTo(oneByOne.treeHash());

        int[] indices = large.addLeaves(joiners);
        assertThat(indices[4093]).isEqualTo(4094);
        assertThat(indices[4094]).isEqualTo(4096);
        assertThat(large.parent(4095).unmergedLeaves()).hasSize(4094).isSorted();
        // Adds keep the tree parent-hash valid: the original sibling tree hash leaves the 4094 unmerged leaves out.
        ParentHashes.verify(large, Parallelism.NONE);
        assertThat(RatchetTree.decode(SUITE, large.encode()).treeHash()).isEqualTo(large.treeHash());
    }

    /** The template leaf with a distinct encryption key (signature not valid; hashing does not care). */
    private static LeafNode distinct(LeafNode t, int i) {
        byte[] key = new byte[32];
        key[0] = (byte) i;
        key[1] = (byte) (i >>> 8);
        key[2] = (byte) (i >>> 16);
        return new LeafNode(new HpkePublicKey(key), t.signatureKey(), t.credential(), t.capabilities(), t.leafNodeSource(),
                t.lifetime(), null, t.extensions(), t.signature());
    }
}
