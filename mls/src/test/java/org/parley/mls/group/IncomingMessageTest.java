package org.parley.mls.group;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.CipherSuite;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Routing an MLSMessage (RFC 9420 Section 6) by its framing, without processing it. */
class IncomingMessageTest {
    private static final CipherSuite SUITE = GroupTest.SUITE;
    private static final byte[] GROUP_ID = "routed group".getBytes(StandardCharsets.UTF_8);
    private final SecureRandom random = new SecureRandom(new byte[] {7});

    private Group newGroup(GroupConfig config) {
        return Group.create(config, SUITE, GROUP_ID, GroupTest.credential("alice"), SUITE.generateSignatureKeyPair(random), List.of());
    }

    private KeyPackageBundle keyPackage(String name) {
        return KeyPackageBundle.create(SUITE, GroupTest.credential(name), SUITE.generateSignatureKeyPair(random), null, random);
    }

    @Test
    void aPrivateMessageNamesItsGroupAndEpoch() {
        Group alice = newGroup(GroupConfig.defaults(random));
        IncomingMessage message = IncomingMessage.inspect(alice.encrypt(new byte[] {1, 2, 3}));
        assertThat(message).isInstanceOf(IncomingMessage.ForGroup.class);
        IncomingMessage.ForGroup forGroup = (IncomingMessage.ForGroup) message;
        assertThat(forGroup.groupId()).isEqualTo(Bytes.copyOf(GROUP_ID));
        assertThat(forGroup.epoch()).isEqualTo(alice.epoch());
        assertThat(forGroup.encrypted()).isTrue();
    }

    @Test
    void aPublicCommitNamesItsGroupAndTheEpochItEnds() {
        Group alice = newGroup(GroupConfig.defaults(random).withEncryptHandshake(false));
        CommitResult update = alice.update();
        IncomingMessage.ForGroup forGroup = (IncomingMessage.ForGroup) IncomingMessage.inspect(update.commitMessage().toByteArray());
        assertThat(forGroup.groupId()).isEqualTo(Bytes.copyOf(GROUP_ID));
        assertThat(forGroup.epoch()).isEqualTo(0);
        assertThat(forGroup.encrypted()).isFalse();
    }

    @Test
    void aWelcomeListsTheKeyPackagesItIsFor() {
        Group alice = newGroup(GroupConfig.defaults(random));
        KeyPackageBundle bob = keyPackage("bob");
        KeyPackageBundle carol = keyPackage("carol");
        CommitResult add = alice.addMembers(List.of(bob.publicBytes()));
        IncomingMessage message = IncomingMessage.inspect(add.welcome().orElseThrow().toByteArray());
        assertThat(message).isInstanceOf(IncomingMessage.ForNewMembers.class);
        IncomingMessage.ForNewMembers welcome = (IncomingMessage.ForNewMembers) message;
        Bytes bobRef = Bytes.copyOf(SUITE.makeKeyPackageRef(bob.keyPackage().toBytes()));
        assertThat(welcome.keyPackageRefs()).containsExactly(bobRef);
        assertThat(welcome.isFor(bobRef)).isTrue();
        assertThat(welcome.isFor(Bytes.copyOf(SUITE.makeKeyPackageRef(carol.keyPackage().toBytes())))).isFalse();
    }

    @Test
    void aKeyPackageIsNeitherForAGroupNorANewMember() {
        assertThat(IncomingMessage.inspect(keyPackage("bob").publicBytes())).isEqualTo(new IncomingMessage.Other(0x0005));
    }

    @Test
    void malformedMessagesAreRejectedWithATypedException() {
        Group alice = newGroup(GroupConfig.defaults(random));
        byte[] message = alice.encrypt(new byte[] {1});
        assertThatThrownBy(() -> IncomingMessage.inspect(Arrays.copyOf(message, 3)))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("not a well-formed MLSMessage (3 bytes)");
        assertThatThrownBy(() -> IncomingMessage.inspect(Arrays.copyOf(message, message.length + 1)))
                .isInstanceOf(MlsProtocolException.class);
        assertThatThrownBy(() -> IncomingMessage.inspect(new byte[] {0, 1, 0, 9}))
                .as("an unknown wire format").isInstanceOf(MlsProtocolException.class);
        assertThatThrownBy(() -> IncomingMessage.inspect(new byte[] {0, 2, 0, 1}))
                .as("another MLS version").isInstanceOf(MlsProtocolException.class);
        assertThatThrownBy(() -> IncomingMessage.inspect(new byte[0])).isInstanceOf(MlsProtocolException.class);

        byte[] welcome = alice.addMembers(List.of(keyPackage("bob").publicBytes())).welcome().orElseThrow().toByteArray();
        assertThatThrownBy(() -> IncomingMessage.inspect(Arrays.copyOf(welcome, welcome.length - 1)))
                .as("a truncated Welcome body").isInstanceOf(MlsProtocolException.class).hasMessageContaining("Welcome");
    }

    @Test
    void proposalKindsFollowTheRegistry() {
        assertThat(ProposalKind.of(new ProcessedMessage.ProposalReceived(0, 0x0003, Bytes.EMPTY))).isEqualTo(ProposalKind.REMOVE);
        assertThat(ProposalKind.of(new ProcessedMessage.ProposalReceived(0, 0x0001, Bytes.EMPTY))).isEqualTo(ProposalKind.ADD);
        assertThat(ProposalKind.of(new ProcessedMessage.ProposalReceived(0, 0x0A0A, Bytes.EMPTY))).isEqualTo(ProposalKind.OTHER);
    }
}
