package org.parley.client.conversations;

import org.junit.jupiter.api.Test;
import org.parley.client.keys.KeyPackages;
import org.parley.mls.credentials.BasicCredential;
import org.parley.mls.group.CommitResult;
import org.parley.mls.group.Group;
import org.parley.mls.group.GroupConfig;
import org.parley.mls.group.KeyPackageBundle;
import org.parley.protocol.CommitAuthority;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EpochCommitKeyTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    private static Group create(String name) {
        return Group.create(GroupConfig.defaults(RANDOM), KeyPackages.SUITE, new byte[] {7, 7},
                new BasicCredential(name.getBytes(StandardCharsets.UTF_8)), KeyPackages.SUITE.generateSignatureKeyPair(RANDOM), List.of());
    }

    @Test
    void everyMemberOfAnEpochDerivesTheKeyItsCommitterRegistered() {
        Group alice = create("alice");
        KeyPackageBundle bobsPackage = KeyPackageBundle.create(KeyPackages.SUITE, new BasicCredential("bob".getBytes(StandardCharsets.UTF_8)),
                KeyPackages.SUITE.generateSignatureKeyPair(RANDOM), null, RANDOM);
        byte[] epoch0 = EpochCommitKey.current(alice).publicKey();
        CommitResult add = alice.addMembers(List.of(bobsPackage.publicBytes()));
        byte[] registered = EpochCommitKey.next(add.pending()).publicKey();
        alice.mergePendingCommit(add.pending());
        Group bob = Group.joinFromWelcome(GroupConfig.defaults(RANDOM), add.welcome().orElseThrow().toByteArray(), bobsPackage, null);

        assertThat(EpochCommitKey.current(alice).publicKey()).isEqualTo(registered).isNotEqualTo(epoch0);
        assertThat(EpochCommitKey.current(bob).publicKey()).as("the joiner derives the same key").isEqualTo(registered);

        // Bob's next commit is signed with epoch 1's key; the server checks it against what alice registered.
        CommitResult update = bob.update();
        byte[] content = CommitAuthority.signedContent(CommitAuthority.routingId(bob.groupId()), bob.epoch(), update.commitMessage().toByteArray(), new byte[0],
                EpochCommitKey.next(update.pending()).publicKey());
        byte[] signature = EpochCommitKey.current(bob).sign(content);
        assertThat(EpochCommitKey.verify(registered, content, signature)).isTrue();
        assertThat(EpochCommitKey.verify(epoch0, content, signature)).as("an old epoch's key").isFalse();
        content[content.length - 1] ^= 1;
        assertThat(EpochCommitKey.verify(registered, content, signature)).as("another next key").isFalse();
    }

    @Test
    void theSeedIsWipedAndBadInputIsRefused() {
        byte[] seed = new byte[32];
        RANDOM.nextBytes(seed);
        byte[] copy = seed.clone();
        EpochCommitKey key = EpochCommitKey.fromSeed(seed);
        assertThat(seed).containsOnly(0);
        assertThat(EpochCommitKey.fromSeed(copy).publicKey()).isEqualTo(key.publicKey());
        assertThat(key.toString()).doesNotContain(java.util.HexFormat.of().formatHex(key.publicKey())).contains("redacted");
        assertThatThrownBy(() -> EpochCommitKey.fromSeed(new byte[31])).isInstanceOf(IllegalArgumentException.class);
        byte[] signature = key.sign(new byte[] {1});
        assertThat(EpochCommitKey.verify(key.publicKey(), new byte[] {1}, signature)).isTrue();
        assertThat(EpochCommitKey.verify(new byte[31], new byte[] {1}, signature)).isFalse();
        assertThat(EpochCommitKey.verify(key.publicKey(), new byte[] {1}, new byte[64 * 1024])).isFalse();
    }
}
