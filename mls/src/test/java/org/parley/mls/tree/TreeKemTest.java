package org.parley.mls.tree;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.HpkeCiphertext;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.mls.tree.TestMembers.GROUP_ID;
import static org.parley.mls.tree.TestMembers.RANDOM;

class TreeKemTest {
    private final List<TestMembers.Member> members = TestMembers.members(7);
    private final RatchetTree tree = TestMembers.treeOf(members.subList(0, 6));
    private final Map<Integer, TreePrivateKeys> keys = new HashMap<>();

    TreeKemTest() {
        for (int i = 0; i < 6; i++) {
            keys.put(i, new TreePrivateKeys(i, members.get(i).encryption().privateKey()));
        }
    }

    /** Member {@code sender} commits; every other member processes it; returns the commit secret all agree on. */
    private byte[] commitAndProcess(int sender, Set<Integer> newLeaves) {
        RatchetTree before = tree.copy();
        TreeKem.Created created = TreeKem.createUpdatePath(tree, sender, tree.leaf(sender),
                members.get(sender).signature().privateKey(), GROUP_ID, newLeaves, TestMembers::context, RANDOM);
        keys.put(sender, created.privateKeys());
        for (int j : before.memberLeaves()) {
            if (j == sender || newLeaves.contains(j)) {
                continue;
            }
            RatchetTree theirs = before.copy();
            TreeKem.Processed processed = TreeKem.processUpdatePath(theirs, keys.get(j), sender, created.updatePath(),
                    GROUP_ID, newLeaves, TestMembers::context);
            assertThat(processed.commitSecret()).isEqualTo(created.commitSecret());
            assertThat(created.pathSecrets().get(processed.decryptedNode())).isEqualTo(processed.pathSecret());
            assertThat(theirs.treeHash()).isEqualTo(tree.treeHash());
        }
        tree.validate(GROUP_ID, null);
        return created.commitSecret().copyBytes();
    }

    @Test
    void successiveCommitsKeepEveryMemberInStep() {
        byte[] first = commitAndProcess(0, Set.of());
        byte[] second = commitAndProcess(3, Set.of());
        byte[] third = commitAndProcess(5, Set.of());
        assertThat(List.of(first, second, third)).doesNotHaveDuplicates();
        // Every member now holds keys only for nodes on its own direct path.
        for (TreePrivateKeys k : keys.values()) {
            for (int node : k.nodes()) {
                assertThat(node == 2 * k.leafIndex() || TreeMath.isAncestor(node, 2 * k.leafIndex())).isTrue();
            }
        }
    }

    @Test
    void newMembersAddedInTheSameCommitGetNoCiphertext() {
        commitAndProcess(0, Set.of());
        int added = tree.addLeaf(members.get(6).leaf());
        RatchetTree before = tree.copy();
        TreeKem.Created created = TreeKem.createUpdatePath(tree, 1, tree.leaf(1), members.get(1).signature().privateKey(),
                GROUP_ID, Set.of(added), TestMembers::context, RANDOM);
        int total = created.updatePath().nodes().stream().mapToInt(n -> n.encryptedPathSecret().size()).sum();
        // Leaves 0, 2..5 are reached; the new leaf 6 is not.
        assertThat(total).isEqualTo(before.memberLeaves().size() - 2);
        TreeKem.Processed processed = TreeKem.processUpdatePath(before.copy(), keys.get(4), 1, created.updatePath(),
                GROUP_ID, Set.of(added), TestMembers::context);
        assertThat(processed.commitSecret()).isEqualTo(created.commitSecret());
    }

    @Test
    void tamperedUpdatePathsAreRejected() {
        RatchetTree before = tree.copy();
        TreeKem.Created created = TreeKem.createUpdatePath(tree, 2, tree.leaf(2), members.get(2).signature().privateKey(),
                GROUP_ID, Set.of(), TestMembers::context, RANDOM);
        UpdatePath good = created.updatePath();

        List<UpdatePathNode> swapped = new ArrayList<>(good.nodes());
        UpdatePathNode top = swapped.get(swapped.size() - 1);
        swapped.set(swapped.size() - 1, new UpdatePathNode(TestMembers.SUITE.generateHpkeKeyPair(RANDOM).publicKey(),
                top.encryptedPathSecret()));
        assertThatThrownBy(() -> TreeKem.processUpdatePath(before.copy(), keys.get(0), 2, new UpdatePath(good.leafNode(), swapped),
                GROUP_ID, Set.of(), TestMembers::context))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("parent_hash does not match");

        assertThatThrownBy(() -> TreeKem.processUpdatePath(before.copy(), keys.get(0), 3, good, GROUP_ID, Set.of(),
                TestMembers::context))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("signature is invalid");

        assertThatThrownBy(() -> TreeKem.processUpdatePath(before.copy(), keys.get(0), 2, good, GROUP_ID, Set.of(),
                h -> new byte[] {1}))
                .isInstanceOf(MlsProtocolException.class);

        List<UpdatePathNode> repeated = new ArrayList<>(good.nodes());
        repeated.set(1, new UpdatePathNode(repeated.get(0).encryptionKey(), repeated.get(1).encryptedPathSecret()));
        assertThatThrownBy(() -> TreeKem.processUpdatePath(before.copy(), keys.get(0), 2, new UpdatePath(good.leafNode(), repeated),
                GROUP_ID, Set.of(), TestMembers::context))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("repeated in the path");

        // A path key that a member's leaf already holds (leaf 0 is node 0), and the leaf's own old key.
        List<UpdatePathNode> stale = new ArrayList<>(good.nodes());
        stale.set(0, new UpdatePathNode(before.leaf(0).encryptionKey(), stale.get(0).encryptedPathSecret()));
        assertThatThrownBy(() -> TreeKem.processUpdatePath(before.copy(), keys.get(3), 2, new UpdatePath(good.leafNode(), stale),
                GROUP_ID, Set.of(), TestMembers::context))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("already in the tree (node 0)");

        assertThatThrownBy(() -> TreeKem.processUpdatePath(before.copy(), keys.get(0), 2,
                new UpdatePath(before.leaf(2), good.nodes()), GROUP_ID, Set.of(), TestMembers::context))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("not commit");

        List<UpdatePathNode> fewer = new ArrayList<>(good.nodes());
        UpdatePathNode first = fewer.get(0);
        fewer.set(0, new UpdatePathNode(first.encryptionKey(), List.<HpkeCiphertext>of()));
        assertThatThrownBy(() -> TreeKem.processUpdatePath(before.copy(), keys.get(3), 2, new UpdatePath(good.leafNode(), fewer),
                GROUP_ID, Set.of(), TestMembers::context))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("ciphertexts for a resolution of 1");

        assertThatThrownBy(() -> TreeKem.processUpdatePath(before.copy(), keys.get(0), 2,
                new UpdatePath(good.leafNode(), good.nodes().subList(0, 1)), GROUP_ID, Set.of(), TestMembers::context))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("filtered direct path has 3");
    }

    @Test
    void privateKeysNeverShowInToString() {
        TreeKem.Created created = TreeKem.createUpdatePath(tree, 0, tree.leaf(0), members.get(0).signature().privateKey(),
                GROUP_ID, Set.of(), TestMembers::context, RANDOM);
        assertThat(created.toString()).contains("redacted");
        assertThat(created.privateKeys().toString()).contains("redacted");
    }
}
