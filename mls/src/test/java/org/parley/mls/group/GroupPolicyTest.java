package org.parley.mls.group;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.credentials.BasicCredential;
import org.parley.mls.crypto.SignatureKeyPair;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.ExternalSenders;
import org.parley.mls.group.ProcessedMessage.ApplicationMessage;
import org.parley.mls.group.ProcessedMessage.CommitApplied;
import org.parley.mls.tree.LeafNode;
import org.parley.mls.tree.LeafNodeSource;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.mls.group.GroupTest.SUITE;
import static org.parley.mls.group.GroupTest.credential;

/**
 * The application's GroupPolicy (RFC 9420 Sections 5.3.1 and 12.4.2) is asked before a join or a
 * Commit takes effect, sees each change truthfully, and a refusal leaves the group as it was. The
 * attacks are real members running a client without the policy (or forging a leaf), against
 * members whose client enforces it.
 */
class GroupPolicyTest {
    private final SecureRandom random = new SecureRandom(new byte[] {12});
    private final GroupConfig plain = GroupConfig.defaults(random);

    /** Refuses every member whose identity starts with "mallory", and records what it was shown. */
    static final class RefuseMallory implements GroupPolicy {
        final List<GroupView> groups = new ArrayList<>();
        final List<CommitView> commits = new ArrayList<>();

        @Override
        public void checkGroup(GroupView group) {
            groups.add(group);
            group.members().forEach(RefuseMallory::check);
        }

        @Override
        public void checkCommit(CommitView commit) {
            commits.add(commit);
            commit.added().forEach(RefuseMallory::check);
            commit.updated().forEach(RefuseMallory::check);
        }

        private static void check(Member member) {
            if (name(member).startsWith("mallory")) {
                throw new MlsProtocolException(name(member) + " may not be in this group: ask an admin");
            }
        }
    }

    /** Only "alice" removes others; anyone may leave (the Remove was proposed by the member it removes). */
    static final class OnlyAliceRemoves implements GroupPolicy {
        @Override
        public void checkCommit(CommitView commit) {
            for (CommitView.Removal removal : commit.removed()) {
                boolean leaving = removal.member().equals(removal.proposer());
                boolean byAdmin = commit.committer() != null && name(commit.committer()).equals("alice");
                if (!leaving && !byAdmin) {
                    throw new MlsProtocolException("only an admin may remove " + name(removal.member()));
                }
            }
        }
    }

    static String name(Member member) {
        return new String(((BasicCredential) member.credential()).identity().toByteArray(), StandardCharsets.UTF_8);
    }

    private Group create(GroupConfig config, String name) {
        return Group.create(config, SUITE, ("group of " + name).getBytes(StandardCharsets.UTF_8), credential(name),
                SUITE.generateSignatureKeyPair(random), List.of());
    }

    private KeyPackageBundle keyPackage(String name) {
        return KeyPackageBundle.create(SUITE, credential(name), SUITE.generateSignatureKeyPair(random), null, random);
    }

    /** {@code committer} adds {@code name}; every other member processes the Commit; returns the new member's group. */
    private Group add(Group committer, String name, GroupConfig joinerConfig, Group... others) {
        KeyPackageBundle kp = keyPackage(name);
        CommitResult result = committer.addMembers(List.of(kp.publicBytes()));
        for (Group other : others) {
            other.process(result.commitMessage().toByteArray());
        }
        committer.mergePendingCommit(result.pending());
        return Group.joinFromWelcome(joinerConfig, result.welcome().orElseThrow().toByteArray(), kp, null);
    }

    private static void propose(Group sender, byte[] proposal, Group... others) {
        for (Group other : others) {
            assertThat(((ProcessedMessage.ProposalReceived) other.process(proposal)).senderLeaf()).isEqualTo(sender.ownLeafIndex());
        }
    }

    @Test
    void aWelcomeIntoAGroupWithARefusedMemberIsRefused() {
        Group alice = create(plain, "alice");
        add(alice, "mallory", plain);
        KeyPackageBundle bob = keyPackage("bob");
        CommitResult addBob = alice.addMembers(List.of(bob.publicBytes()));
        alice.mergePendingCommit(addBob.pending());
        byte[] welcome = addBob.welcome().orElseThrow().toByteArray();

        RefuseMallory policy = new RefuseMallory();
        assertThatThrownBy(() -> Group.joinFromWelcome(plain.withPolicy(policy), welcome, bob, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("mallory may not be in this group");
        assertThat(policy.groups).hasSize(1);
        GroupView seen = policy.groups.get(0);
        assertThat(seen.members()).extracting(GroupPolicyTest::name).containsExactly("alice", "mallory", "bob");
        assertThat(seen.signer()).isEqualTo(alice.members().get(0));
        assertThat(seen.epoch()).isEqualTo(alice.epoch());

        // The same Welcome is good by RFC 9420's own rules: only the policy refused it.
        assertThat(Group.joinFromWelcome(plain, welcome, bob, null).epoch()).isEqualTo(alice.epoch());
    }

    @Test
    void aReceivedCommitAddingARefusedMemberIsNotApplied() {
        RefuseMallory policy = new RefuseMallory();
        Group alice = create(plain, "alice");
        Group bob = add(alice, "bob", plain.withPolicy(policy));
        long epoch = bob.epoch();
        byte[] saved = bob.toBytes();

        CommitResult addMallory = alice.addMembers(List.of(keyPackage("mallory").publicBytes()));
        assertThatThrownBy(() -> bob.process(addMallory.commitMessage().toByteArray()))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("mallory may not be in this group");
        assertThat(bob.epoch()).isEqualTo(epoch);
        assertThat(bob.toBytes()).isEqualTo(saved);

        // The delivery service refused that Commit too; the next good one applies, and messages flow.
        alice.discardPendingCommit(addMallory.pending());
        Group carol = add(alice, "carol", plain, bob);
        assertThat(bob.epoch()).isEqualTo(epoch + 1);
        GroupTest.assertAgree(alice, bob, carol);
        GroupTest.assertDelivers(alice, bob, carol);
        GroupTest.assertDelivers(bob, alice, carol);
    }

    @Test
    void thisMembersOwnAddOfARefusedMemberIsRefusedAndLeavesNothingPending() {
        Group alice = create(plain, "alice");
        Group bob = add(alice, "bob", plain.withPolicy(new RefuseMallory()));
        byte[] saved = bob.toBytes();

        assertThatThrownBy(() -> bob.addMembers(List.of(keyPackage("mallory").publicBytes())))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("mallory may not be in this group");
        assertThat(bob.toBytes()).isEqualTo(saved);

        // Still in the same epoch with nothing pending: bob's next Commit is made from that epoch and others follow it.
        CommitResult update = bob.update();
        assertThat(alice.process(update.commitMessage().toByteArray())).isInstanceOf(CommitApplied.class);
        bob.mergePendingCommit(update.pending());
        GroupTest.assertAgree(alice, bob);
    }

    @Test
    void aCommitterWhosePathLeafTakesARefusedCredentialIsRefused() {
        RefuseMallory policy = new RefuseMallory();
        Group alice = create(plain, "alice");
        Group bob = add(alice, "bob", plain.withPolicy(policy));
        byte[] saved = bob.toBytes();

        // alice's client signs an UpdatePath whose new leaf claims another identity (RFC 9420 allows a
        // credential to change in a path; the policy decides whether it may).
        GroupState s = GroupState.fromBytes(alice.toBytes());
        LeafNode me = s.myLeafNode();
        LeafNode renamed = new LeafNode(SUITE.generateHpkeKeyPair(random).publicKey(), me.signatureKey(), credential("mallory"),
                me.capabilities(), LeafNodeSource.KEY_PACKAGE, KeyPackageBundle.UNBOUNDED, null, List.of(), Bytes.EMPTY);
        Commits.Created forged = Commits.create(s, List.of(), false, s.secrets.initSecret().copyBytes(),
                new Commits.Options(s.signatureKey, renamed, true, true, plain::paddingFor, true, PskStore.NONE, random, List.of(),
                        GroupPolicy.ACCEPT_ALL));

        assertThatThrownBy(() -> bob.process(forged.commitMessage().toByteArray()))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("mallory may not be in this group");
        assertThat(bob.toBytes()).isEqualTo(saved);
        CommitView refused = policy.commits.get(policy.commits.size() - 1);
        assertThat(refused.committer()).extracting(GroupPolicyTest::name).isEqualTo("alice");
        assertThat(refused.updated()).extracting(Member::leafIndex, GroupPolicyTest::name).containsExactly(
                org.assertj.core.groups.Tuple.tuple(0, "mallory"));
        assertThat(refused.membersAfter()).extracting(GroupPolicyTest::name).containsExactly("mallory", "bob");
        assertThat(refused.added()).isEmpty();
        assertThat(refused.removed()).isEmpty();

        // The same Commit without the policy applies: the refusal was the policy's.
        assertThat(Group.fromBytes(plain, saved).process(forged.commitMessage().toByteArray())).isInstanceOf(CommitApplied.class);
    }

    @Test
    void onlyTheAdminRemovesOthersButAnyoneMayLeave() {
        GroupConfig enforced = plain.withPolicy(new OnlyAliceRemoves());
        Group alice = create(enforced, "alice");
        Group bob = add(alice, "bob", plain); // bob's client does not enforce the roles
        Group carol = add(alice, "carol", enforced, bob);
        Group dave = add(alice, "dave", enforced, bob, carol);
        byte[] aliceBefore = alice.toBytes();
        byte[] carolBefore = carol.toBytes();

        CommitResult bobRemovesCarol = bob.removeMembers(List.of(carol.ownLeafIndex()));
        for (Group member : List.of(alice, carol, dave)) {
            assertThatThrownBy(() -> member.process(bobRemovesCarol.commitMessage().toByteArray()))
                    .isInstanceOf(MlsProtocolException.class).hasMessageContaining("only an admin may remove carol");
        }
        assertThat(alice.toBytes()).isEqualTo(aliceBefore);
        assertThat(carol.toBytes()).isEqualTo(carolBefore);
        assertThat(carol.isActive()).isTrue();
        bob.discardPendingCommit(bobRemovesCarol.pending());

        // A client that enforces the roles does not even make such a Commit.
        assertThatThrownBy(() -> dave.removeMembers(List.of(carol.ownLeafIndex())))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("only an admin may remove carol");

        // carol asks to leave; bob (no admin) commits her proposal; everyone accepts it.
        byte[] leave = carol.proposeRemove(carol.ownLeafIndex());
        for (Group member : List.of(alice, bob, dave)) {
            member.process(leave);
        }
        CommitResult commitLeave = bob.commitPendingProposals();
        assertThat(((CommitApplied) alice.process(commitLeave.commitMessage().toByteArray())).removed())
                .extracting(GroupPolicyTest::name).containsExactly("carol");
        assertThat(((CommitApplied) carol.process(commitLeave.commitMessage().toByteArray())).removedSelf()).isTrue();
        dave.process(commitLeave.commitMessage().toByteArray());
        bob.mergePendingCommit(commitLeave.pending());

        // The admin removes bob: proposed by value, so the proposer is the committer.
        RefuseMallory recorder = new RefuseMallory();
        Group watchingDave = Group.fromBytes(plain.withPolicy(recorder), dave.toBytes());
        CommitResult aliceRemovesBob = alice.removeMembers(List.of(bob.ownLeafIndex()));
        watchingDave.process(aliceRemovesBob.commitMessage().toByteArray());
        CommitView.Removal removal = recorder.commits.get(0).removed().get(0);
        assertThat(name(removal.member())).isEqualTo("bob");
        assertThat(removal.proposer()).isEqualTo(recorder.commits.get(0).committer());
        assertThat(dave.process(aliceRemovesBob.commitMessage().toByteArray())).isInstanceOf(CommitApplied.class);
        alice.mergePendingCommit(aliceRemovesBob.pending());
        GroupTest.assertAgree(alice, dave);
    }

    @Test
    void aMixedCommitIsSeenTheSameByItsCommitterAndEveryReceiver() {
        RefuseMallory atAlice = new RefuseMallory();
        RefuseMallory atBob = new RefuseMallory();
        Group alice = create(plain.withPolicy(atAlice), "alice");
        Group bob = add(alice, "bob", plain.withPolicy(atBob));
        Group carol = add(alice, "carol", plain, bob);
        Group dave = add(alice, "dave", plain, bob, carol);
        List<Member> before = alice.members();
        Member aliceBefore = before.get(0);
        atAlice.commits.clear();
        atBob.commits.clear();

        // Proposals by reference: carol leaves, bob removes dave, bob updates his leaf, dave adds erin.
        propose(carol, carol.proposeRemove(carol.ownLeafIndex()), alice, bob, dave);
        propose(bob, bob.proposeRemove(dave.ownLeafIndex()), alice, carol, dave);
        propose(bob, bob.proposeUpdate(), alice, carol, dave);
        propose(dave, dave.proposeAdd(keyPackage("erin").publicBytes()), alice, bob, carol);
        SignatureKeyPair server = SUITE.generateSignatureKeyPair(random);
        List<Extension> extensions = List.of(new ExternalSenders(List.of(new ExternalSenders.ExternalSender(
                Bytes.copyOf(server.publicKey().bytes()), credential("server")))).toExtension());
        // alice commits a GroupContextExtensions proposal by value, the four by reference, and her path.
        CommitResult mixed = alice.updateGroupContextExtensions(extensions);
        bob.process(mixed.commitMessage().toByteArray());
        alice.mergePendingCommit(mixed.pending());

        CommitView view = atAlice.commits.get(0);
        assertThat(atBob.commits).containsExactly(view);
        assertThat(view.groupId()).isEqualTo(Bytes.copyOf(alice.groupId()));
        assertThat(view.epoch()).isEqualTo(alice.epoch() - 1);
        assertThat(view.committer()).isEqualTo(aliceBefore);
        assertThat(view.membersBefore()).isEqualTo(before);
        assertThat(view.membersAfter()).isEqualTo(alice.members());
        assertThat(view.membersAfter()).extracting(GroupPolicyTest::name).containsExactly("alice", "bob", "erin");
        assertThat(view.added()).extracting(GroupPolicyTest::name).containsExactly("erin");
        assertThat(view.removed()).extracting(r -> name(r.member()) + " by " + name(r.proposer()))
                .containsExactlyInAnyOrder("carol by carol", "dave by bob");
        assertThat(view.updated()).extracting(GroupPolicyTest::name).containsExactlyInAnyOrder("bob", "alice");
        assertThat(view.updated()).containsExactlyInAnyOrderElementsOf(List.of(alice.members().get(0), bob.members().get(1)));
        assertThat(view.extensionsBefore()).isEmpty();
        assertThat(view.extensionsAfter()).isEqualTo(extensions);
        assertThat(view.changesExtensions()).isTrue();
        GroupTest.assertAgree(alice, bob);
    }

    @Test
    void externalJoinsAreCheckedOnBothSides() {
        RefuseMallory atAlice = new RefuseMallory();
        Group alice = create(plain.withPolicy(atAlice), "alice");
        Group bob = add(alice, "bob", plain);
        byte[] groupInfo = alice.groupInfo(true);

        // mallory joins by external Commit: alice's policy refuses it, bob (no policy) takes it.
        SignatureKeyPair malloryKeys = SUITE.generateSignatureKeyPair(random);
        ExternalJoin mallory = Group.joinByExternalCommit(plain, groupInfo, null, credential("mallory"), malloryKeys);
        byte[] saved = alice.toBytes();
        assertThatThrownBy(() -> alice.process(mallory.commitMessage().toByteArray()))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("mallory may not be in this group");
        assertThat(alice.toBytes()).isEqualTo(saved);
        CommitView refused = atAlice.commits.get(atAlice.commits.size() - 1);
        assertThat(refused.committer()).isNull();
        assertThat(refused.added()).extracting(GroupPolicyTest::name).containsExactly("mallory");
        assertThat(refused.updated()).isEmpty();
        assertThat(Group.fromBytes(plain, bob.toBytes()).process(mallory.commitMessage().toByteArray()))
                .isInstanceOf(CommitApplied.class);

        // The joiner's own policy sees the group it is joining, signed by nobody, and its own Commit.
        RefuseMallory atCarol = new RefuseMallory();
        ExternalJoin carol = Group.joinByExternalCommit(plain.withPolicy(atCarol), groupInfo, null, credential("carol"),
                SUITE.generateSignatureKeyPair(random));
        assertThat(atCarol.groups).hasSize(1);
        assertThat(atCarol.groups.get(0).signer()).isNull();
        assertThat(atCarol.groups.get(0).members()).extracting(GroupPolicyTest::name).containsExactly("alice", "bob", "carol");
        assertThat(atCarol.commits).hasSize(1);
        assertThat(atCarol.commits.get(0).added()).extracting(GroupPolicyTest::name).containsExactly("carol");
        assertThat(carol.group().inviter()).isNull();

        // A joiner refused by its own policy gets no Commit to send.
        assertThatThrownBy(() -> Group.joinByExternalCommit(plain.withPolicy(new RefuseMallory()), groupInfo, null,
                credential("mallory2"), SUITE.generateSignatureKeyPair(random)))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("mallory2 may not be in this group");

        // A resync removes the member's own old leaf: the proposer of that removal is the member itself.
        ExternalJoin resync = bob.resync(groupInfo, null);
        alice.process(resync.commitMessage().toByteArray());
        CommitView.Removal own = atAlice.commits.get(atAlice.commits.size() - 1).removed().get(0);
        assertThat(name(own.member())).isEqualTo("bob");
        // The joiner's new leaf takes the freed slot: same index, credential and signature key.
        assertThat(own.proposer()).isEqualTo(own.member());
    }

    @Test
    void allOfAsksEveryPolicyAndTheFirstRefusalRefuses() {
        RefuseMallory first = new RefuseMallory();
        OnlyAliceRemoves second = new OnlyAliceRemoves();
        GroupConfig both = plain.withPolicy(GroupPolicy.allOf(first, second));
        Group alice = create(plain, "alice");
        Group bob = add(alice, "bob", both);
        Group carol = add(alice, "carol", plain, bob);
        assertThat(first.groups).hasSize(1);

        CommitResult addMallory = alice.addMembers(List.of(keyPackage("mallory").publicBytes()));
        assertThatThrownBy(() -> bob.process(addMallory.commitMessage().toByteArray()))
                .hasMessageContaining("mallory may not be in this group");
        alice.discardPendingCommit(addMallory.pending());

        CommitResult carolRemovesAlice = carol.removeMembers(List.of(alice.ownLeafIndex()));
        assertThatThrownBy(() -> bob.process(carolRemovesAlice.commitMessage().toByteArray()))
                .hasMessageContaining("only an admin may remove alice");
        assertThat(first.commits).hasSize(3); // carol's addition, mallory's, and the removal the second policy refused
    }

    @Test
    void inviterIsTheMemberWhoseCommitAddedThisOne() {
        Group alice = create(plain, "alice");
        Group bob = add(alice, "bob", plain);
        Group carol = add(bob, "carol", plain, alice);

        assertThat(bob.inviter()).isEqualTo(alice.members().get(0));
        assertThat(carol.inviter()).isEqualTo(bob.member(bob.ownLeafIndex()));
        assertThat(name(carol.inviter())).isEqualTo("bob");
        assertThat(alice.inviter()).isNull();
        assertThat(Group.fromBytes(plain, carol.toBytes()).inviter()).isNull();
        // Still the inviter after later epochs, as of the epoch joined.
        CommitResult update = alice.update();
        bob.process(update.commitMessage().toByteArray());
        carol.process(update.commitMessage().toByteArray());
        alice.mergePendingCommit(update.pending());
        assertThat(name(carol.inviter())).isEqualTo("bob");
        assertThat(((ApplicationMessage) carol.process(bob.encrypt(new byte[] {1}))).sender().leafIndex())
                .isEqualTo(carol.inviter().leafIndex());
    }
}
