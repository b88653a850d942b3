package org.parley.mls.group;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.SignatureKeyPair;
import org.parley.mls.framing.AuthenticatedContent;
import org.parley.mls.framing.ContentType;
import org.parley.mls.framing.FramedContent;
import org.parley.mls.framing.MlsMessage;
import org.parley.mls.framing.PublicMessage;
import org.parley.mls.framing.Sender;
import org.parley.mls.framing.WireFormat;
import org.parley.mls.messages.Proposal;

import java.security.SecureRandom;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A hostile non-member (anyone who learnt a group's id and epoch: a former member, the server)
 * sends a correctly signed new_member_proposal Add for itself (RFC 9420 Section 12.1.8). A group
 * takes proposals from its members only unless its application opts in, so the Add is refused,
 * nothing is queued, and the next commit does not carry the intruder in.
 */
class NonMemberProposalTest {
    private static final CipherSuite SUITE = GroupTest.SUITE;
    private final SecureRandom random = new SecureRandom(new byte[] {7});
    private final GroupConfig membersOnly = GroupConfig.defaults(random).withEncryptHandshake(false);
    private Group alice;
    private Group bob;

    @BeforeEach
    void twoMembers() {
        alice = Group.create(membersOnly, SUITE, new byte[] {4, 2}, GroupTest.credential("alice"),
                SUITE.generateSignatureKeyPair(random), List.of());
        KeyPackageBundle kp = KeyPackageBundle.create(SUITE, GroupTest.credential("bob"), SUITE.generateSignatureKeyPair(random),
                null, random);
        CommitResult add = alice.addMembers(List.of(kp.publicBytes()));
        alice.mergePendingCommit(add.pending());
        bob = Group.joinFromWelcome(membersOnly, add.welcome().orElseThrow().toByteArray(), kp, null);
    }

    /** Mallory's self-Add, signed with the key in her own KeyPackage, as Section 12.1.8 has it. */
    private byte[] malloryAsksToJoin() {
        SignatureKeyPair keys = SUITE.generateSignatureKeyPair(random);
        KeyPackageBundle mallory = KeyPackageBundle.create(SUITE, GroupTest.credential("mallory"), keys, null, random);
        GroupState seen = GroupState.fromBytes(alice.toBytes());
        FramedContent content = new FramedContent(seen.context.groupId(), seen.context.epoch(), new Sender.NewMemberProposal(),
                new byte[0], ContentType.PROPOSAL, new Proposal.Add(mallory.keyPackage()).toBytes());
        AuthenticatedContent signed = AuthenticatedContent.signed(SUITE, WireFormat.MLS_PUBLIC_MESSAGE, content,
                keys.privateKey(), seen.context);
        return new MlsMessage(PublicMessage.protect(SUITE, signed, new byte[0], seen.context)).toBytes();
    }

    private static List<String> memberNames(Group group) {
        return group.members().stream().map(m -> m.credential().toString()).toList();
    }

    @Test
    void aNonMembersSelfAddIsRefusedAndNeverCommitted() {
        byte[] request = malloryAsksToJoin();
        byte[] before = bob.toBytes();

        assertThatThrownBy(() -> bob.process(request)).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("non-member").hasMessageContaining("members only");
        assertThat(bob.toBytes()).as("a refused proposal leaves the group as it was").isEqualTo(before);
        assertThatThrownBy(() -> alice.process(request)).isInstanceOf(MlsProtocolException.class);

        CommitResult next = bob.update();
        alice.process(next.commitMessage().toByteArray());
        bob.mergePendingCommit(next.pending());
        assertThat(alice.members()).hasSize(2);
        assertThat(memberNames(alice)).noneMatch(name -> name.contains("mallory"));
        assertThat(alice.epochAuthenticator()).isEqualTo(bob.epochAuthenticator());
    }

    @Test
    void aGroupThatOptsInTakesTheSameRequest() {
        Group openBob = Group.fromBytes(membersOnly.withNewMemberProposals(true), bob.toBytes());

        ProcessedMessage received = openBob.process(malloryAsksToJoin());

        assertThat(received).isInstanceOf(ProcessedMessage.ProposalReceived.class);
        CommitResult commit = openBob.commitPendingProposals();
        openBob.mergePendingCommit(commit.pending());
        assertThat(openBob.members()).hasSize(3);
    }
}
