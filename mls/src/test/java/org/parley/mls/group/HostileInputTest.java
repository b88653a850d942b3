package org.parley.mls.group;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.extensions.Extension;
import org.parley.mls.extensions.RequiredCapabilities;
import org.parley.mls.group.ProcessedMessage.ProposalReceived;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Joining and processing reject malformed, misdirected and forged inputs with a typed exception saying why. */
class HostileInputTest {
    private static final CipherSuite SUITE = GroupTest.SUITE;
    private final SecureRandom random = new SecureRandom(new byte[] {5});
    private final GroupConfig config = GroupConfig.defaults(random);

    private Group newGroup() {
        return Group.create(config, SUITE, new byte[] {1}, GroupTest.credential("alice"), SUITE.generateSignatureKeyPair(random),
                List.of());
    }

    private KeyPackageBundle keyPackage(String name) {
        return KeyPackageBundle.create(SUITE, GroupTest.credential(name), SUITE.generateSignatureKeyPair(random), null, random);
    }

    /** alice adds bob and merges; returns bob's group. */
    private Group addBob(Group alice) {
        KeyPackageBundle bob = keyPackage("bob");
        CommitResult add = alice.addMembers(List.of(bob.publicBytes()));
        alice.mergePendingCommit(add.pending());
        return Group.joinFromWelcome(config, add.welcome().orElseThrow().toByteArray(), bob, null);
    }

    @Test
    void welcomeForAnotherKeyPackageOrTruncated() {
        Group alice = newGroup();
        KeyPackageBundle bob = keyPackage("bob");
        CommitResult add = alice.addMembers(List.of(bob.publicBytes()));
        byte[] welcome = add.welcome().orElseThrow().toByteArray();
        assertThatThrownBy(() -> Group.joinFromWelcome(config, welcome, keyPackage("mallory"), null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("no secrets for this KeyPackage");
        assertThatThrownBy(() -> Group.joinFromWelcome(config, Arrays.copyOf(welcome, welcome.length - 1), bob, null))
                .isInstanceOf(DecodeException.class);
        byte[] tampered = welcome.clone();
        tampered[tampered.length - 1] ^= 1;
        assertThatThrownBy(() -> Group.joinFromWelcome(config, tampered, bob, null)).isInstanceOf(MlsProtocolException.class);
        assertThatThrownBy(() -> Group.joinFromWelcome(config, add.commitMessage().toByteArray(), bob, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("expected a Welcome");
    }

    @Test
    void welcomeWithoutTreeNeedsOneOutOfBand() {
        GroupConfig noTree = config.withRatchetTreeInWelcome(false);
        Group alice = Group.create(noTree, SUITE, new byte[] {2}, GroupTest.credential("alice"),
                SUITE.generateSignatureKeyPair(random), List.of());
        KeyPackageBundle bob = keyPackage("bob");
        CommitResult add = alice.addMembers(List.of(bob.publicBytes()));
        alice.mergePendingCommit(add.pending());
        byte[] welcome = add.welcome().orElseThrow().toByteArray();
        assertThatThrownBy(() -> Group.joinFromWelcome(noTree, welcome, bob, null))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("no ratchet_tree");
        Group joined = Group.joinFromWelcome(noTree, welcome, bob, alice.ratchetTree());
        assertThat(joined.epochAuthenticator()).isEqualTo(alice.epochAuthenticator());
    }

    @Test
    void forgedGroupInfoIsRefused() {
        Group alice = newGroup();
        byte[] info = alice.groupInfo(true);
        byte[] forged = info.clone();
        forged[forged.length - 1] ^= 1;
        assertThatThrownBy(() -> Group.joinByExternalCommit(config, forged, null, GroupTest.credential("eve"),
                SUITE.generateSignatureKeyPair(random))).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("GroupInfo signature is invalid");
        assertThatThrownBy(() -> Group.joinByExternalCommit(config, alice.groupInfo(false), null, GroupTest.credential("eve"),
                SUITE.generateSignatureKeyPair(random))).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("no ratchet_tree");
    }

    @Test
    void garbageAndForeignMessagesLeaveTheGroupUnchanged() {
        Group alice = newGroup();
        Group other = Group.create(config, SUITE, new byte[] {3}, GroupTest.credential("zed"), SUITE.generateSignatureKeyPair(random),
                List.of());
        byte[] before = alice.toBytes();
        assertThatThrownBy(() -> alice.process(new byte[] {0, 1, 0, 1, 0x7f})).isInstanceOf(DecodeException.class);
        assertThatThrownBy(() -> alice.process(new byte[0])).isInstanceOf(DecodeException.class);
        assertThatThrownBy(() -> alice.process(other.encrypt(new byte[] {1}))).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("group");
        assertThatThrownBy(() -> alice.process(alice.groupInfo(true))).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("PublicMessage or PrivateMessage");
        assertThat(alice.toBytes()).isEqualTo(before);
    }

    @Test
    void groupContextExtensionsMustBeSupportedByEveryMember() {
        Group alice = newGroup();
        Group bobGroup = addBob(alice);

        Extension required = new RequiredCapabilities(List.of(), List.of(), List.of(1)).toExtension();
        CommitResult setRequired = alice.updateGroupContextExtensions(List.of(required));
        bobGroup.process(setRequired.commitMessage().toByteArray());
        alice.mergePendingCommit(setRequired.pending());
        assertThat(bobGroup.groupContextExtensions()).containsExactly(required);
        assertThat(bobGroup.epochAuthenticator()).isEqualTo(alice.epochAuthenticator());

        Extension unsupported = new Extension(0xF0F0, new byte[0]);
        byte[] before = alice.toBytes();
        assertThatThrownBy(() -> alice.updateGroupContextExtensions(List.of(unsupported)))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("does not support group extension");
        assertThat(alice.toBytes()).isEqualTo(before);
    }

    @Test
    void proposalCacheAndPendingUpdateKeysSurviveSaving() {
        Group alice = newGroup();
        Group bobGroup = addBob(alice);

        byte[] update = bobGroup.proposeUpdate();
        Group restoredBob = Group.fromBytes(config, bobGroup.toBytes());
        assertThat(alice.process(update)).isInstanceOf(ProposalReceived.class);
        Group restoredAlice = Group.fromBytes(config, alice.toBytes());
        CommitResult commit = restoredAlice.commitPendingProposals();
        restoredBob.process(commit.commitMessage().toByteArray());
        restoredAlice.mergePendingCommit(commit.pending());
        assertThat(restoredBob.epochAuthenticator()).isEqualTo(restoredAlice.epochAuthenticator());
        byte[] hello = restoredBob.encrypt(new byte[] {7});
        assertThat(((ProcessedMessage.ApplicationMessage) restoredAlice.process(hello)).data().toByteArray()).containsExactly(7);
    }

    /** A saved state whose checksum is right but whose body was changed: every decode failure is a typed exception. */
    @Test
    void resealedCorruptStateFailsWithATypedException() throws Exception {
        Group alice = newGroup();
        addBob(alice);
        alice.proposeUpdate();
        byte[] saved = alice.toBytes();
        java.util.Random flips = new java.util.Random(11);
        int restored = 0;
        for (int i = 0; i < 300; i++) {
            byte[] body = Arrays.copyOf(saved, saved.length - 32);
            int at = 5 + flips.nextInt(body.length - 5);
            body[at] = (byte) flips.nextInt(256);
            if (flips.nextBoolean()) {
                body = Arrays.copyOf(body, at + 1);
            }
            byte[] resealed = Arrays.copyOf(body, body.length + 32);
            System.arraycopy(java.security.MessageDigest.getInstance("SHA-256").digest(body), 0, resealed, body.length, 32);
            try {
                Group.fromBytes(config, resealed);
                restored++;
            } catch (MlsProtocolException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
        assertThat(restored).isLessThan(300);
    }

    @Test
    void externalCommitMayRemoveOnlyTheJoinersOwnOldLeaf() {
        Group alice = newGroup();
        Group bob = addBob(alice);
        // someone holding bob's signature key, but presenting another identity, tries to resync as bob
        org.parley.mls.crypto.SignatureKeyPair bobKeys = new org.parley.mls.crypto.SignatureKeyPair(
                GroupState.fromBytes(bob.toBytes()).signatureKey, bob.member(bob.ownLeafIndex()).signatureKey());
        ExternalJoin impostor = Group.externalCommit(config, alice.groupInfo(true), null, GroupTest.credential("eve"),
                bobKeys, bob.ownLeafIndex());
        byte[] before = alice.toBytes();
        assertThatThrownBy(() -> alice.process(impostor.commitMessage().toByteArray())).isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("joiner's own old leaf");
        assertThat(alice.toBytes()).isEqualTo(before);
        ExternalJoin genuine = bob.resync(alice.groupInfo(true), null);
        assertThat(((ProcessedMessage.CommitApplied) alice.process(genuine.commitMessage().toByteArray())).removed()).hasSize(1);
    }
}
