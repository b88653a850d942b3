package org.parley.mls.group;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.credentials.BasicCredential;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.SignatureKeyPair;
import org.parley.mls.group.ProcessedMessage.ApplicationMessage;
import org.parley.mls.group.ProcessedMessage.CommitApplied;
import org.parley.mls.group.ProcessedMessage.ProposalReceived;

import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.ExternalSenders;
import org.parley.mls.framing.AuthenticatedContent;
import org.parley.mls.framing.ContentType;
import org.parley.mls.framing.FramedContent;
import org.parley.mls.framing.MlsMessage;
import org.parley.mls.framing.PublicMessage;
import org.parley.mls.framing.Sender;
import org.parley.mls.framing.WireFormat;
import org.parley.mls.messages.Proposal;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Group API end to end: every operation the client SDK uses, between real members. */
class GroupTest {
    static final CipherSuite SUITE = CipherSuite.fromId(1);
    private final SecureRandom random = new SecureRandom(new byte[] {7});
    private final GroupConfig config = GroupConfig.defaults(random);

    static BasicCredential credential(String name) {
        return new BasicCredential(name.getBytes(StandardCharsets.UTF_8));
    }

    Group create(String name) {
        SignatureKeyPair keys = SUITE.generateSignatureKeyPair(random);
        return Group.create(config, SUITE, ("group of " + name).getBytes(StandardCharsets.UTF_8), credential(name), keys, List.of());
    }

    KeyPackageBundle keyPackage(String name) {
        return KeyPackageBundle.create(SUITE, credential(name), SUITE.generateSignatureKeyPair(random), null, random);
    }

    /** alice adds bob by Welcome; returns bob's group. */
    Group addByWelcome(Group committer, String name, List<Group> others) {
        KeyPackageBundle kp = keyPackage(name);
        CommitResult result = committer.addMembers(List.of(kp.publicBytes()));
        for (Group other : others) {
            assertThat(other.process(result.commitMessage().toByteArray())).isInstanceOf(CommitApplied.class);
        }
        committer.mergePendingCommit(result.pending());
        return Group.joinFromWelcome(config, result.welcome().orElseThrow().toByteArray(), kp, null);
    }

    static void assertAgree(Group... groups) {
        for (Group g : groups) {
            assertThat(g.epoch()).isEqualTo(groups[0].epoch());
            assertThat(g.epochAuthenticator()).isEqualTo(groups[0].epochAuthenticator());
            assertThat(g.exportSecret("test", new byte[0], 16)).isEqualTo(groups[0].exportSecret("test", new byte[0], 16));
        }
    }

    static void assertDelivers(Group sender, Group... receivers) {
        byte[] text = ("hello from " + sender.ownLeafIndex()).getBytes(StandardCharsets.UTF_8);
        byte[] message = sender.encrypt(text);
        for (Group r : receivers) {
            ApplicationMessage received = (ApplicationMessage) r.process(message);
            assertThat(received.data().toByteArray()).isEqualTo(text);
            assertThat(received.sender().leafIndex()).isEqualTo(sender.ownLeafIndex());
        }
    }

    @Test
    void addRemoveUpdateAndMessages() {
        Group alice = create("alice");
        Group bob = addByWelcome(alice, "bob", List.of());
        Group carol = addByWelcome(bob, "carol", List.of(alice));
        assertAgree(alice, bob, carol);
        assertThat(alice.members()).hasSize(3);
        assertDelivers(carol, alice, bob);
        assertDelivers(alice, bob, carol);

        CommitResult update = bob.update();
        assertThat(update.welcome()).isEmpty();
        CommitApplied applied = (CommitApplied) alice.process(update.commitMessage().toByteArray());
        assertThat(applied.updated()).extracting(Member::leafIndex).containsExactly(bob.ownLeafIndex());
        carol.process(update.commitMessage().toByteArray());
        bob.mergePendingCommit(update.pending());
        assertAgree(alice, bob, carol);

        CommitResult remove = carol.removeMembers(List.of(alice.ownLeafIndex()));
        CommitApplied seenByAlice = (CommitApplied) alice.process(remove.commitMessage().toByteArray());
        assertThat(seenByAlice.removedSelf()).isTrue();
        assertThat(alice.isActive()).isFalse();
        CommitApplied seenByBob = (CommitApplied) bob.process(remove.commitMessage().toByteArray());
        assertThat(seenByBob.removed()).extracting(Member::leafIndex).containsExactly(0);
        assertThat(seenByBob.removedSelf()).isFalse();
        carol.mergePendingCommit(remove.pending());
        assertAgree(bob, carol);
        assertDelivers(bob, carol);
        assertThatThrownBy(() -> alice.encrypt(new byte[1])).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void proposalsByReferenceAreCommittedByAnotherMember() {
        Group alice = create("alice");
        Group bob = addByWelcome(alice, "bob", List.of());
        Group carol = addByWelcome(alice, "carol", List.of(bob));
        KeyPackageBundle dave = keyPackage("dave");

        byte[] addDave = bob.proposeAdd(dave.publicBytes());
        byte[] updateCarol = carol.proposeUpdate();
        assertThat(alice.process(addDave)).isInstanceOf(ProposalReceived.class);
        alice.process(updateCarol);
        carol.process(addDave);
        bob.process(updateCarol);

        CommitResult commit = alice.commitPendingProposals();
        CommitApplied atBob = (CommitApplied) bob.process(commit.commitMessage().toByteArray());
        assertThat(atBob.added()).extracting(m -> new String(((BasicCredential) m.credential()).identity().toByteArray(), StandardCharsets.UTF_8))
                .containsExactly("dave");
        carol.process(commit.commitMessage().toByteArray());
        alice.mergePendingCommit(commit.pending());
        Group daveGroup = Group.joinFromWelcome(config, commit.welcome().orElseThrow().toByteArray(), dave, null);
        assertAgree(alice, bob, carol, daveGroup);
        assertDelivers(carol, alice, bob, daveGroup);
    }

    @Test
    void externalJoinAndResync() {
        Group alice = create("alice");
        Group bob = addByWelcome(alice, "bob", List.of());
        ExternalJoin join = Group.joinByExternalCommit(config, alice.groupInfo(true), null, credential("erin"),
                SUITE.generateSignatureKeyPair(random));
        CommitApplied atAlice = (CommitApplied) alice.process(join.commitMessage().toByteArray());
        assertThat(atAlice.added()).isEmpty();
        assertThat(atAlice.updated()).extracting(Member::leafIndex).containsExactly(join.group().ownLeafIndex());
        bob.process(join.commitMessage().toByteArray());
        Group erin = join.group();
        assertAgree(alice, bob, erin);
        assertDelivers(erin, alice, bob);

        // bob lost his state; he rejoins from a GroupInfo (without the tree inside) and replaces his old leaf
        ExternalJoin resync = bob.resync(alice.groupInfo(false), alice.ratchetTree());
        CommitApplied resynced = (CommitApplied) alice.process(resync.commitMessage().toByteArray());
        assertThat(resynced.removed()).extracting(Member::leafIndex).containsExactly(bob.ownLeafIndex());
        erin.process(resync.commitMessage().toByteArray());
        Group newBob = resync.group();
        assertAgree(alice, erin, newBob);
        assertThat(alice.members()).hasSize(3);
    }

    @Test
    void rejectedCommitIsDiscardedAndTheWinnerProcessed() {
        Group alice = create("alice");
        Group bob = addByWelcome(alice, "bob", List.of());
        CommitResult aliceCommit = alice.update();
        CommitResult bobCommit = bob.update();
        // the delivery service accepted bob's commit for this epoch; alice's lost
        alice.discardPendingCommit(aliceCommit.pending());
        alice.process(bobCommit.commitMessage().toByteArray());
        bob.mergePendingCommit(bobCommit.pending());
        assertAgree(alice, bob);
        assertThatThrownBy(() -> alice.mergePendingCommit(aliceCommit.pending())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void externalAndResumptionPsksEnterTheKeySchedule() {
        byte[] pskId = "shared".getBytes(StandardCharsets.UTF_8);
        byte[] psk = new byte[32];
        random.nextBytes(psk);
        PskStore store = id -> java.util.Arrays.equals(id, pskId) ? psk.clone() : null;
        GroupConfig withPsk = config.withPskStore(store);
        Group alice = Group.create(withPsk, SUITE, new byte[] {1, 2}, credential("alice"),
                SUITE.generateSignatureKeyPair(random), List.of());
        KeyPackageBundle bobKp = keyPackage("bob");
        CommitResult add = alice.addMembers(List.of(bobKp.publicBytes()));
        alice.mergePendingCommit(add.pending());
        Group bob = Group.joinFromWelcome(withPsk, add.welcome().orElseThrow().toByteArray(), bobKp, null);

        CommitResult withExternal = alice.commitExternalPsk(pskId);
        bob.process(withExternal.commitMessage().toByteArray());
        alice.mergePendingCommit(withExternal.pending());
        assertAgree(alice, bob);

        CommitResult withResumption = bob.commitResumptionPsk(bob.groupId(), bob.epoch() - 1);
        alice.process(withResumption.commitMessage().toByteArray());
        bob.mergePendingCommit(withResumption.pending());
        assertAgree(alice, bob);

        Group noPsk = Group.fromBytes(config, bob.toBytes());
        CommitResult unknown = alice.commitExternalPsk(pskId);
        assertThatThrownBy(() -> noPsk.process(unknown.commitMessage().toByteArray())).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("PSK");
    }

    @Test
    void savedStateRestoresExactly() {
        Group alice = create("alice");
        Group bob = addByWelcome(alice, "bob", List.of());
        byte[] early = alice.encrypt(new byte[] {1});
        byte[] late = alice.encrypt(new byte[] {2});
        bob.process(late); // the earlier generation stays retained for out-of-order delivery

        byte[] saved = bob.toBytes();
        Group restored = Group.fromBytes(config, saved);
        assertThat(restored.toBytes()).isEqualTo(saved);
        assertThat(((ApplicationMessage) restored.process(early)).data().toByteArray()).containsExactly(1);
        assertThatThrownBy(() -> restored.process(late)).isInstanceOf(MlsProtocolException.class);
        assertAgree(alice, restored);

        byte[] corrupted = saved.clone();
        corrupted[saved.length / 2] ^= 1;
        assertThatThrownBy(() -> Group.fromBytes(config, corrupted)).isInstanceOf(DecodeException.class)
                .hasMessageContaining("corrupted");
        byte[] foreign = "{\"not\": \"a group\"}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Group.fromBytes(config, foreign)).isInstanceOf(DecodeException.class)
                .hasMessageContaining("not a saved MLS group state");
        byte[] future = saved.clone();
        future[4] = 2;
        assertThatThrownBy(() -> Group.fromBytes(config, future)).isInstanceOf(DecodeException.class)
                .hasMessageContaining("format version 2");
        assertThatThrownBy(() -> Group.fromBytes(config, java.util.Arrays.copyOf(saved, 40)))
                .isInstanceOf(DecodeException.class);

        KeyPackageBundle kp = keyPackage("carol");
        assertThat(KeyPackageBundle.fromPrivateBytes(kp.privateBytes()).publicBytes()).isEqualTo(kp.publicBytes());
    }

    @Test
    void reInitMovesEveryMemberToTheSuccessorGroup() {
        Group alice = create("alice");
        Group bob = addByWelcome(alice, "bob", List.of());
        Group carol = addByWelcome(alice, "carol", List.of(bob));
        CipherSuite chacha = CipherSuite.fromId(3);
        byte[] newId = "successor".getBytes(StandardCharsets.UTF_8);

        CommitResult reInit = alice.commitReInit(newId, chacha, List.of());
        bob.process(reInit.commitMessage().toByteArray());
        carol.process(reInit.commitMessage().toByteArray());
        alice.mergePendingCommit(reInit.pending());
        assertThat(List.of(alice, bob, carol)).allMatch(Group::isReInitialised);
        assertThatThrownBy(() -> carol.encrypt(new byte[1])).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("re-initialised");

        // bob, not the committer, creates the successor with fresh KeyPackages for the new suite
        KeyPackageBundle aliceKp = KeyPackageBundle.create(chacha, credential("alice"), chacha.generateSignatureKeyPair(random),
                null, random);
        KeyPackageBundle carolKp = KeyPackageBundle.create(chacha, credential("carol"), chacha.generateSignatureKeyPair(random),
                null, random);
        ReInitialized successor = bob.reinitialize(List.of(aliceKp.publicBytes(), carolKp.publicBytes()), credential("bob"),
                chacha.generateSignatureKeyPair(random));
        byte[] welcome = successor.welcomeMessage().toByteArray();
        assertThatThrownBy(() -> Group.joinFromWelcome(config, welcome, aliceKp, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("joinFromReInitWelcome");
        Group newAlice = Group.joinFromReInitWelcome(config, welcome, aliceKp, null, alice);
        Group newCarol = Group.joinFromReInitWelcome(config, welcome, carolKp, null, carol);
        Group newBob = successor.group();
        assertAgree(newAlice, newBob, newCarol);
        assertThat(newBob.epoch()).isEqualTo(1);
        assertThat(newBob.cipherSuite()).isEqualTo(chacha);
        assertThat(newBob.groupId()).isEqualTo(newId);
        assertDelivers(newCarol, newAlice, newBob);

        Group notReInitialised = create("dave");
        assertThatThrownBy(() -> Group.joinFromReInitWelcome(config, welcome, carolKp, null, notReInitialised))
                .isInstanceOf(IllegalStateException.class);
        assertThat(Group.fromBytes(config, alice.toBytes()).isReInitialised()).isTrue();
    }

    @Test
    void externalSenderProposalsAreCommittedByMembers() {
        Group alice = create("alice");
        Group bob = addByWelcome(alice, "bob", List.of());
        SignatureKeyPair server = SUITE.generateSignatureKeyPair(random);
        Extension senders = new ExternalSenders(List.of(new ExternalSenders.ExternalSender(Bytes.copyOf(server.publicKey().bytes()),
                credential("server")))).toExtension();
        CommitResult allowServer = alice.updateGroupContextExtensions(List.of(senders));
        bob.process(allowServer.commitMessage().toByteArray());
        alice.mergePendingCommit(allowServer.pending());

        // the external sender proposes to remove bob (Section 12.1.8.1): a PublicMessage without membership tag
        FramedContent content = new FramedContent(Bytes.copyOf(alice.groupId()), alice.epoch(), new Sender.External(0), new byte[0],
                ContentType.PROPOSAL, new Proposal.Remove(bob.ownLeafIndex()).toBytes());
        AuthenticatedContent signed = AuthenticatedContent.signed(SUITE, WireFormat.MLS_PUBLIC_MESSAGE, content,
                server.privateKey(), null);
        byte[] proposal = new MlsMessage(PublicMessage.protect(SUITE, signed, null, null)).toBytes();
        ProposalReceived received = (ProposalReceived) alice.process(proposal);
        assertThat(received.senderLeaf()).isEqualTo(-1);
        bob.process(proposal);

        CommitResult commit = alice.commitPendingProposals();
        assertThat(((CommitApplied) bob.process(commit.commitMessage().toByteArray())).removedSelf()).isTrue();
        assertThat(alice.mergePendingCommit(commit.pending()).removed()).extracting(Member::leafIndex)
                .containsExactly(1);

        SignatureKeyPair impostor = SUITE.generateSignatureKeyPair(random);
        AuthenticatedContent forged = AuthenticatedContent.signed(SUITE, WireFormat.MLS_PUBLIC_MESSAGE,
                new FramedContent(Bytes.copyOf(alice.groupId()), alice.epoch(), new Sender.External(0), new byte[0], ContentType.PROPOSAL,
                        new Proposal.Remove(0).toBytes()), impostor.privateKey(), null);
        assertThatThrownBy(() -> alice.process(new MlsMessage(PublicMessage.protect(SUITE, forged, null, null)).toBytes()))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("invalid signature");
    }

    @Test
    void privateMessageContentIsPaddedToTheConfiguredBlock() {
        Group alice = Group.create(config.withPaddingBlock(128), SUITE, new byte[] {4}, credential("alice"),
                SUITE.generateSignatureKeyPair(random), List.of());
        Group bob = addByWelcome(alice, "bob", List.of());
        int shortLength = alice.encrypt(new byte[1]).length;
        assertThat(alice.encrypt(new byte[20]).length).isEqualTo(shortLength);
        assertThat(alice.encrypt(new byte[200]).length).isGreaterThan(shortLength);
        Group unpadded = Group.create(config.withPaddingBlock(1), SUITE, new byte[] {5}, credential("carol"),
                SUITE.generateSignatureKeyPair(random), List.of());
        assertThat(unpadded.encrypt(new byte[20]).length).isGreaterThan(unpadded.encrypt(new byte[1]).length);
        assertDelivers(alice, bob);
    }

    @Test
    void committerPrefersRemovesAndSkipsProposalsItCannotCommit() {
        Group alice = create("alice");
        Group bob = addByWelcome(alice, "bob", List.of());
        Group carol = addByWelcome(alice, "carol", List.of(bob));
        byte[] carolUpdates = carol.proposeUpdate();
        byte[] bobRemovesCarol = bob.proposeRemove(carol.ownLeafIndex());
        byte[] bobRemovesAlice = bob.proposeRemove(alice.ownLeafIndex());
        for (byte[] p : List.of(carolUpdates, bobRemovesCarol, bobRemovesAlice)) {
            alice.process(p);
        }
        carol.process(bobRemovesCarol);
        carol.process(bobRemovesAlice);
        bob.process(carolUpdates);

        CommitResult commit = alice.commitPendingProposals();
        CommitApplied atBob = (CommitApplied) bob.process(commit.commitMessage().toByteArray());
        assertThat(atBob.removed()).extracting(Member::leafIndex).containsExactly(carol.ownLeafIndex());
        assertThat(atBob.updated()).extracting(Member::leafIndex).containsExactly(alice.ownLeafIndex());
        assertThat(((CommitApplied) carol.process(commit.commitMessage().toByteArray())).removedSelf()).isTrue();
        alice.mergePendingCommit(commit.pending());
        assertAgree(alice, bob);
    }

    @Test
    void newMemberProposesToJoinAndIsWelcomed() {
        // Only a group whose application opts in takes a non-member's proposal (NonMemberProposalTest).
        GroupConfig open = config.withNewMemberProposals(true);
        Group creator = create("alice");
        Group joined = addByWelcome(creator, "bob", List.of());
        Group alice = Group.fromBytes(open, creator.toBytes());
        Group bob = Group.fromBytes(open, joined.toBytes());
        KeyPackageBundle frank = keyPackage("frank");
        byte[] proposal = Group.proposeJoin(bob.groupInfo(false), bob.ratchetTree(), frank);
        ProposalReceived received = (ProposalReceived) alice.process(proposal);
        assertThat(received.senderLeaf()).isEqualTo(-1);
        bob.process(proposal);
        CommitResult commit = alice.commitPendingProposals();
        bob.process(commit.commitMessage().toByteArray());
        alice.mergePendingCommit(commit.pending());
        Group frankGroup = Group.joinFromWelcome(config, commit.welcome().orElseThrow().toByteArray(), frank, null);
        assertAgree(alice, bob, frankGroup);
        assertDelivers(frankGroup, alice, bob);
    }

    @Test
    void applicationMessagesOfThePreviousEpochStillDecryptAfterACommit() {
        Group alice = create("alice");
        Group bob = addByWelcome(alice, "bob", List.of());
        byte[] first = bob.encrypt(new byte[] {1});
        byte[] second = bob.encrypt(new byte[] {2});
        byte[] third = bob.encrypt(new byte[] {3});
        CommitResult update = alice.update();
        bob.process(update.commitMessage().toByteArray());
        alice.mergePendingCommit(update.pending());

        // the delivery service handed alice the Commit first; bob's messages of the old epoch follow
        assertThat(((ApplicationMessage) alice.process(second)).data().toByteArray()).containsExactly(2);
        Group restored = Group.fromBytes(config, alice.toBytes());
        assertThat(((ApplicationMessage) restored.process(first)).data().toByteArray()).containsExactly(1);
        assertThatThrownBy(() -> restored.process(first)).isInstanceOf(MlsProtocolException.class);
        assertDelivers(bob, restored);

        CommitResult another = bob.update();
        restored.process(another.commitMessage().toByteArray());
        bob.mergePendingCommit(another.pending());
        assertThatThrownBy(() -> restored.process(third)).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("epoch");
    }
}
