package org.parley.mls.group;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;
import org.parley.mls.group.ProcessedMessage.ApplicationMessage;
import org.parley.mls.group.ProcessedMessage.CommitApplied;
import org.parley.mls.group.UnreadableMessageException.Reason;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.mls.group.GroupTest.SUITE;
import static org.parley.mls.group.GroupTest.credential;

/**
 * What a member learns about messages it cannot read (a copy, an epoch missed or left, a forked
 * group), and about messages that never arrived (gaps in a sender's generations): real members,
 * real messages, the way a server that drops, replays, delays or forks would deliver them.
 */
class UnreadableMessagesTest {
    private final SecureRandom random = new SecureRandom(new byte[] {21});
    private final GroupConfig config = GroupConfig.defaults(random);
    private final GroupConfig publicHandshakes = config.withEncryptHandshake(false);

    private Group alice;
    private Group bob;

    private void twoMembers(GroupConfig groupConfig) {
        alice = Group.create(groupConfig, SUITE, "unreadable".getBytes(StandardCharsets.UTF_8), credential("alice"),
                SUITE.generateSignatureKeyPair(random), List.of());
        KeyPackageBundle kp = KeyPackageBundle.create(SUITE, credential("bob"), SUITE.generateSignatureKeyPair(random), null, random);
        CommitResult add = alice.addMembers(List.of(kp.publicBytes()));
        alice.mergePendingCommit(add.pending());
        bob = Group.joinFromWelcome(groupConfig, add.welcome().orElseThrow().toByteArray(), kp, null);
    }

    /** {@code committer} updates; the others process it when listed. Returns the Commit message. */
    private static byte[] update(Group committer, Group... others) {
        CommitResult update = committer.update();
        for (Group other : others) {
            assertThat(other.process(update.commitMessage().toByteArray())).isInstanceOf(CommitApplied.class);
        }
        committer.mergePendingCommit(update.pending());
        return update.commitMessage().toByteArray();
    }

    /** Processing {@code message} at {@code receiver} fails for {@code reason}, and the receiver is unchanged. */
    private static UnreadableMessageException unreadable(Group receiver, byte[] message, Reason reason) {
        byte[] before = receiver.toBytes();
        UnreadableMessageException e = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> receiver.process(message), UnreadableMessageException.class);
        assertThat(e).as("an UnreadableMessageException").isNotNull();
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(receiver.toBytes()).isEqualTo(before);
        return e;
    }

    private static ApplicationMessage read(Group receiver, byte[] message) {
        return (ApplicationMessage) receiver.process(message);
    }

    @Test
    void aRedeliveredCopyWasAlreadyProcessed() {
        twoMembers(config);
        byte[] message = alice.encrypt(new byte[] {1});
        read(bob, message);
        UnreadableMessageException e = unreadable(bob, message, Reason.ALREADY_PROCESSED);
        assertThat(e.epoch()).isEqualTo(bob.epoch());
        assertThat(e.senderLeaf()).isEqualTo(alice.ownLeafIndex());
        assertThat(e.getMessage()).contains("already processed");

        // A copy of a proposal, and of the (encrypted) Commit that moved bob on, are copies too.
        byte[] proposal = alice.proposeUpdate();
        bob.process(proposal);
        unreadable(bob, proposal, Reason.ALREADY_PROCESSED);
        byte[] commit = update(alice, bob);
        assertThat(unreadable(bob, commit, Reason.ALREADY_PROCESSED).epoch()).isEqualTo(bob.epoch() - 1);

        // A message of the previous epoch that arrived late is read once, then it is a copy.
        byte[] late = alice.encrypt(new byte[] {2});
        update(alice, bob);
        assertThat(read(bob, late).data().toByteArray()).containsExactly(2);
        unreadable(bob, late, Reason.ALREADY_PROCESSED);
    }

    @Test
    void aCopyOfAPublicCommitIsRecognisedByItsConfirmationTag() {
        twoMembers(publicHandshakes);
        byte[] commit = update(alice, bob);
        UnreadableMessageException e = unreadable(bob, commit, Reason.ALREADY_PROCESSED);
        assertThat(e.senderLeaf()).isEqualTo(alice.ownLeafIndex());
        // A different Commit of that past epoch is not a copy: it is gone.
        byte[] proposal = bob.proposeUpdate();
        update(alice, bob);
        unreadable(alice, proposal, Reason.EPOCH_GONE);
    }

    @Test
    void aMessageFromEpochsAheadSaysSoAndTheGroupCatchesUpAfterwards() {
        twoMembers(config);
        long epoch = bob.epoch();
        byte[] first = update(alice);
        byte[] second = update(alice);
        byte[] message = alice.encrypt(new byte[] {3});

        UnreadableMessageException e = unreadable(bob, message, Reason.EPOCH_AHEAD);
        assertThat(e.epoch()).isEqualTo(epoch + 2);
        assertThat(e.senderLeaf()).isEqualTo(-1);
        assertThat(e.getMessage()).contains("epoch " + (epoch + 2)).contains("at epoch " + epoch);
        unreadable(bob, second, Reason.EPOCH_AHEAD);

        bob.process(first);
        bob.process(second);
        // Once bob has the Commits it missed, the message reads.
        assertThat(read(bob, message).data().toByteArray()).containsExactly(3);
    }

    @Test
    void aMessageFromAnEpochLongGoneSaysSo() {
        twoMembers(config);
        long epoch = bob.epoch();
        byte[] old = alice.encrypt(new byte[] {4});
        update(alice, bob);
        update(bob, alice);

        UnreadableMessageException e = unreadable(bob, old, Reason.EPOCH_GONE);
        assertThat(e.epoch()).isEqualTo(epoch);
        assertThat(e.getMessage()).contains("no longer keeps keys");
        // A proposal of the previous epoch is never applied late.
        byte[] staleProposal = alice.proposeUpdate();
        update(bob, alice);
        assertThat(unreadable(bob, staleProposal, Reason.EPOCH_GONE).senderLeaf()).isEqualTo(alice.ownLeafIndex());
    }

    @Test
    void aForkedGroupIsUndecryptableNotMisread() {
        twoMembers(config);
        KeyPackageBundle kp = KeyPackageBundle.create(SUITE, credential("carol"), SUITE.generateSignatureKeyPair(random), null, random);
        CommitResult addCarol = alice.addMembers(List.of(kp.publicBytes()));
        bob.process(addCarol.commitMessage().toByteArray());
        alice.mergePendingCommit(addCarol.pending());
        Group carol = Group.joinFromWelcome(config, addCarol.welcome().orElseThrow().toByteArray(), kp, null);
        long epoch = alice.epoch();

        // A server gives alice's Commit to carol and keeps bob's own Commit for the same epoch for bob.
        CommitResult aliceCommit = alice.update();
        CommitResult bobCommit = bob.update();
        carol.process(aliceCommit.commitMessage().toByteArray());
        alice.mergePendingCommit(aliceCommit.pending());
        bob.mergePendingCommit(bobCommit.pending());
        assertThat(bob.epoch()).isEqualTo(alice.epoch()).isEqualTo(epoch + 1);
        assertThat(bob.epochAuthenticator()).isNotEqualTo(alice.epochAuthenticator());

        byte[] fromBob = bob.encrypt(new byte[] {5});
        UnreadableMessageException e = unreadable(alice, fromBob, Reason.UNDECRYPTABLE);
        assertThat(e.epoch()).isEqualTo(epoch + 1);
        assertThat(e.senderLeaf()).isEqualTo(-1);
        assertThat(e.getMessage()).contains("forked");
        unreadable(carol, fromBob, Reason.UNDECRYPTABLE);
        unreadable(bob, alice.encrypt(new byte[] {6}), Reason.UNDECRYPTABLE);
        // bob's losing Commit is of an epoch alice and carol have left.
        unreadable(carol, bobCommit.commitMessage().toByteArray(), Reason.EPOCH_GONE);
        // The two who agree still talk.
        assertThat(read(carol, alice.encrypt(new byte[] {7})).data().toByteArray()).containsExactly(7);
    }

    @Test
    void aForkedPublicCommitFailsItsMembershipTag() {
        twoMembers(publicHandshakes);
        KeyPackageBundle kp = KeyPackageBundle.create(SUITE, credential("carol"), SUITE.generateSignatureKeyPair(random), null, random);
        CommitResult addCarol = alice.addMembers(List.of(kp.publicBytes()));
        bob.process(addCarol.commitMessage().toByteArray());
        alice.mergePendingCommit(addCarol.pending());
        CommitResult aliceCommit = alice.update();
        CommitResult bobCommit = bob.update();
        alice.mergePendingCommit(aliceCommit.pending());
        bob.mergePendingCommit(bobCommit.pending());

        // A proposal from bob's copy of the epoch names the same epoch but another membership key.
        byte[] proposal = bob.proposeUpdate();
        UnreadableMessageException e = unreadable(alice, proposal, Reason.UNDECRYPTABLE);
        assertThat(e.senderLeaf()).isEqualTo(bob.ownLeafIndex());
    }

    @Test
    void skippedMessagesAreCountedAndLateOnesAreNot() {
        twoMembers(config);
        byte[][] sent = new byte[6][];
        for (int i = 0; i < sent.length; i++) {
            sent[i] = alice.encrypt(new byte[] {(byte) i});
        }
        assertThat(read(bob, sent[0]).missedBefore()).isZero();
        ApplicationMessage afterGap = read(bob, sent[3]);
        assertThat(afterGap.data().toByteArray()).containsExactly(3);
        assertThat(afterGap.missedBefore()).isEqualTo(2);
        assertThat(read(bob, sent[1]).missedBefore()).isZero();
        assertThat(read(bob, sent[4]).missedBefore()).isZero();
        assertThat(read(bob, sent[2]).missedBefore()).isZero();
        assertThat(read(bob, sent[5]).missedBefore()).isZero();

        // Counted per sender: bob's own first message skipped nothing.
        assertThat(read(alice, bob.encrypt(new byte[] {9})).missedBefore()).isZero();
        // And in the previous epoch's keys, for messages that arrive after a Commit.
        alice.encrypt(new byte[] {10}); // dropped by the server
        byte[] late = alice.encrypt(new byte[] {11});
        update(alice, bob);
        assertThat(read(bob, late).missedBefore()).isEqualTo(1);
    }

    @Test
    void theClearAuthenticatedDataIsSeenBeforeProcessing() {
        twoMembers(config);
        byte[] aad = "epoch-authenticator-hint".getBytes(StandardCharsets.UTF_8);
        byte[] message = alice.encrypt(new byte[] {1}, aad);

        IncomingMessage.ForGroup inspected = (IncomingMessage.ForGroup) IncomingMessage.inspect(message);
        assertThat(inspected.authenticatedData()).isEqualTo(Bytes.copyOf(aad));
        assertThat(inspected.toString()).contains(aad.length + " bytes of authenticated data")
                .doesNotContain(Bytes.copyOf(aad).toHex()).doesNotContain("epoch-authenticator-hint");
        assertThat(read(bob, message).authenticatedData()).isEqualTo(inspected.authenticatedData());

        // A PublicMessage carries it in its FramedContent: empty for a proposal made through the Group API.
        twoMembers(publicHandshakes);
        IncomingMessage.ForGroup proposal = (IncomingMessage.ForGroup) IncomingMessage.inspect(alice.proposeUpdate());
        assertThat(proposal.encrypted()).isFalse();
        assertThat(proposal.authenticatedData()).isEqualTo(Bytes.EMPTY);
    }
}
