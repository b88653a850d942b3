package org.parley.mls.group;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.SignaturePrivateKey;
import org.parley.mls.framing.AuthenticatedContent;
import org.parley.mls.framing.ContentType;
import org.parley.mls.framing.FramedContent;
import org.parley.mls.framing.MlsMessage;
import org.parley.mls.framing.PrivateMessage;
import org.parley.mls.framing.PublicMessage;
import org.parley.mls.framing.Sender;
import org.parley.mls.framing.WireFormat;
import org.parley.mls.group.ProcessedMessage.ApplicationMessage;
import org.parley.mls.messages.Commit;
import org.parley.mls.messages.Proposal;
import org.parley.mls.messages.ProposalOrRef;

import java.security.SecureRandom;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Section 12.4.2 and the rule: a message that fails validation throws
 * MlsProtocolException and leaves the group's state byte for byte as it was, after which
 * genuine messages still process. Forged messages are built from a copy of a real member's
 * state, so that every check before the one under test passes.
 */
class FailureAtomicityTest {
    private static final CipherSuite SUITE = GroupTest.SUITE;
    private final SecureRandom random = new SecureRandom(new byte[] {3});
    private final GroupConfig publicHandshakes = GroupConfig.defaults(random).withEncryptHandshake(false);
    private Group alice;
    private Group bob;

    @BeforeEach
    void twoMembers() {
        alice = Group.create(publicHandshakes, SUITE, new byte[] {9}, GroupTest.credential("alice"),
                SUITE.generateSignatureKeyPair(random), List.of());
        KeyPackageBundle kp = KeyPackageBundle.create(SUITE, GroupTest.credential("bob"), SUITE.generateSignatureKeyPair(random),
                null, random);
        CommitResult add = alice.addMembers(List.of(kp.publicBytes()));
        alice.mergePendingCommit(add.pending());
        bob = Group.joinFromWelcome(publicHandshakes, add.welcome().orElseThrow().toByteArray(), kp, null);
    }

    /** Processing {@code message} at bob fails with a message containing {@code reason}, and bob is unchanged. */
    private void rejectedWithoutChange(byte[] message, String reason) {
        byte[] before = bob.toBytes();
        assertThatThrownBy(() -> bob.process(message)).isInstanceOf(MlsProtocolException.class).hasMessageContaining(reason);
        assertThat(bob.toBytes()).isEqualTo(before);
        byte[] genuine = alice.encrypt(new byte[] {42});
        assertThat(((ApplicationMessage) bob.process(genuine)).data().toByteArray()).containsExactly(42);
    }

    /** Alice's state, for forging messages as if she sent them. */
    private GroupState aliceState() {
        return GroupState.fromBytes(alice.toBytes());
    }

    private static FramedContent content(GroupState s, ContentType type, byte[] body) {
        return new FramedContent(s.context.groupId(), s.context.epoch(), new Sender.Member(s.myLeaf), new byte[0], type, body);
    }

    private byte[] privateMessage(GroupState s, AuthenticatedContent ac) {
        return new MlsMessage(PrivateMessage.protect(SUITE, ac, s.secretTree, s.secrets.senderDataSecret(), 0, random)).toBytes();
    }

    /** A Commit from alice with a valid signature and membership tag, and the confirmation tag {@code tag} computes. */
    private byte[] publicCommit(GroupState s, Commit commit, Function<byte[], byte[]> tag) {
        FramedContent content = content(s, ContentType.COMMIT, commit.toBytes());
        AuthenticatedContent ac = AuthenticatedContent.signedCommit(SUITE, WireFormat.MLS_PUBLIC_MESSAGE, content,
                s.signatureKey, s.context, tag);
        return new MlsMessage(PublicMessage.protect(SUITE, ac, s.secrets.membershipKey().copyBytes(), s.context)).toBytes();
    }

    private Commit addCommit() {
        KeyPackageBundle carol = KeyPackageBundle.create(SUITE, GroupTest.credential("carol"),
                SUITE.generateSignatureKeyPair(random), null, random);
        return new Commit(List.of(ProposalOrRef.of(new Proposal.Add(carol.keyPackage()))), null);
    }

    @Test
    void badSignature() {
        GroupState s = aliceState();
        SignaturePrivateKey wrongKey = SUITE.generateSignatureKeyPair(random).privateKey();
        AuthenticatedContent ac = AuthenticatedContent.signed(SUITE, WireFormat.MLS_PRIVATE_MESSAGE,
                content(s, ContentType.APPLICATION, new byte[] {1}), wrongKey, s.context);
        rejectedWithoutChange(privateMessage(s, ac), "invalid signature");
    }

    @Test
    void wrongEpoch() {
        byte[] twoEpochsOld = alice.encrypt(new byte[] {1});
        // proposed from a copy of alice, so that alice's own Commits do not include it
        byte[] oldProposal = Group.fromBytes(publicHandshakes, alice.toBytes()).proposeRemove(bob.ownLeafIndex());
        for (int i = 0; i < 2; i++) {
            CommitResult update = alice.update();
            bob.process(update.commitMessage().toByteArray());
            alice.mergePendingCommit(update.pending());
            if (i == 0) {
                // a handshake message of the previous epoch is never accepted
                rejectedWithoutChange(oldProposal, "epoch");
            }
        }
        rejectedWithoutChange(twoEpochsOld, "epoch");
    }

    @Test
    void badMembershipTag() {
        byte[] proposal = alice.proposeRemove(bob.ownLeafIndex());
        proposal[proposal.length - 1] ^= 1;
        rejectedWithoutChange(proposal, "does not decrypt or verify");
    }

    @Test
    void badConfirmationTag() {
        byte[] commit = publicCommit(aliceState(), addCommit(), input -> new byte[SUITE.hashLength()]);
        rejectedWithoutChange(commit, "confirmation tag");
    }

    @Test
    void invalidProposalLists() {
        GroupState s = aliceState();
        Commit removesCommitter = new Commit(List.of(ProposalOrRef.of(new Proposal.Remove(s.myLeaf))), null);
        rejectedWithoutChange(publicCommit(aliceState(), removesCommitter, input -> new byte[SUITE.hashLength()]),
                "must not remove its committer");
        Commit twiceTheSameLeaf = new Commit(List.of(ProposalOrRef.of(new Proposal.Remove(bob.ownLeafIndex())),
                ProposalOrRef.of(new Proposal.Remove(bob.ownLeafIndex()))), null);
        rejectedWithoutChange(publicCommit(aliceState(), twiceTheSameLeaf, input -> new byte[SUITE.hashLength()]),
                "two Update or Remove proposals");
        Commit unknownReference = new Commit(List.of(ProposalOrRef.ofReference(Bytes.copyOf(new byte[32]))), null);
        rejectedWithoutChange(publicCommit(aliceState(), unknownReference, input -> new byte[SUITE.hashLength()]),
                "not received in this epoch");
        Commit emptyWithoutPath = new Commit(List.of(), null);
        rejectedWithoutChange(publicCommit(aliceState(), emptyWithoutPath, input -> new byte[SUITE.hashLength()]),
                "require an UpdatePath");
    }

    @Test
    void proposalListRulesOfSection12_2() {
        Bytes nonce = Bytes.copyOf(new byte[SUITE.hashLength()]);
        ProposalOrRef psk = ProposalOrRef.of(new Proposal.PreSharedKey(
                org.parley.mls.messages.PreSharedKeyID.external(Bytes.fromHex("01"), nonce)));
        rejectedWithoutChange(publicCommit(aliceState(), new Commit(List.of(psk, psk), null), noTag()),
                "two PreSharedKey proposals");
        ProposalOrRef extensions = ProposalOrRef.of(new Proposal.GroupContextExtensions(List.of()));
        rejectedWithoutChange(publicCommit(aliceState(), new Commit(List.of(extensions, extensions), null), noTag()),
                "more than one GroupContextExtensions");
        ProposalOrRef reInit = ProposalOrRef.of(new Proposal.ReInit(Bytes.fromHex("05"), 1, 1, List.of()));
        rejectedWithoutChange(publicCommit(aliceState(), new Commit(List.of(reInit, extensions), null), noTag()),
                "ReInit proposal must be the only proposal");
        ProposalOrRef externalInit = ProposalOrRef.of(new Proposal.ExternalInit(Bytes.copyOf(new byte[32])));
        rejectedWithoutChange(publicCommit(aliceState(), new Commit(List.of(externalInit), null), noTag()),
                "may not propose ExternalInit");
        // a second KeyPackage of bob's (same signature key) would add a client already in the group
        org.parley.mls.crypto.SignatureKeyPair bobKeys = new org.parley.mls.crypto.SignatureKeyPair(
                GroupState.fromBytes(bob.toBytes()).signatureKey, bob.member(bob.ownLeafIndex()).signatureKey());
        KeyPackageBundle bobAgain = KeyPackageBundle.create(SUITE, GroupTest.credential("bob"), bobKeys, null, random);
        Commit addsBobAgain = new Commit(List.of(ProposalOrRef.of(new Proposal.Add(bobAgain.keyPackage()))), null);
        rejectedWithoutChange(publicCommit(aliceState(), addsBobAgain, noTag()), "signature key");
        byte[] aliceBefore = alice.toBytes();
        assertThatThrownBy(() -> alice.addMembers(List.of(bobAgain.publicBytes()))).isInstanceOf(MlsProtocolException.class);
        assertThat(alice.toBytes()).isEqualTo(aliceBefore);
    }

    private static Function<byte[], byte[]> noTag() {
        return input -> new byte[SUITE.hashLength()];
    }

    @Test
    void tamperedCiphertext() {
        byte[] message = alice.encrypt(new byte[] {1, 2, 3});
        message[message.length - 1] ^= 1;
        rejectedWithoutChange(message, "does not decrypt");
    }

    @Test
    void replayedGeneration() {
        byte[] message = alice.encrypt(new byte[] {1});
        bob.process(message);
        rejectedWithoutChange(message, "already processed");
    }

    @Test
    void truncatedMessage() {
        byte[] message = alice.encrypt(new byte[] {1});
        byte[] truncated = java.util.Arrays.copyOf(message, message.length / 2);
        byte[] before = bob.toBytes();
        assertThatThrownBy(() -> bob.process(truncated)).isInstanceOf(org.parley.mls.codec.DecodeException.class);
        assertThat(bob.toBytes()).isEqualTo(before);
        assertThat(((ApplicationMessage) bob.process(message)).data().toByteArray()).containsExactly(1);
    }
}
