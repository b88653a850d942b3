package org.parley.mls.schedule;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.MlsProtocolException;
import org.parley.mls.crypto.CipherSuite;
import org.parley.mls.crypto.Secret;
import org.parley.mls.schedule.SecretTree.RatchetKey;
import org.parley.mls.schedule.SecretTree.RatchetType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretTreeTest {
    private static final CipherSuite SUITE = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
    private static final Secret SECRET = Secret.copyOf(new byte[32]);

    private static SecretTree tree() {
        return new SecretTree(SUITE, SECRET, 4);
    }

    @Test
    void senderAndReceiverDeriveTheSameKeysInAnyOrder() {
        SecretTree sender = tree();
        RatchetKey k0 = sender.nextEncryptionKey(2, RatchetType.APPLICATION);
        RatchetKey k1 = sender.nextEncryptionKey(2, RatchetType.APPLICATION);
        RatchetKey k2 = sender.nextEncryptionKey(2, RatchetType.APPLICATION);
        assertThat(k2.generation()).isEqualTo(2);

        SecretTree receiver = tree();
        assertThat(receiver.decryptionKey(2, RatchetType.APPLICATION, 2).key()).isEqualTo(k2.key());
        receiver.consume(2, RatchetType.APPLICATION, 2);
        assertThat(receiver.decryptionKey(2, RatchetType.APPLICATION, 0).nonce()).isEqualTo(k0.nonce());
        receiver.consume(2, RatchetType.APPLICATION, 0);
        assertThat(receiver.decryptionKey(2, RatchetType.APPLICATION, 1).key()).isEqualTo(k1.key());
        assertThat(receiver.decryptionKey(2, RatchetType.HANDSHAKE, 0).key()).isNotEqualTo(k0.key());
    }

    @Test
    void aUsedGenerationCannotBeDecryptedAgain() {
        SecretTree receiver = tree();
        receiver.decryptionKey(1, RatchetType.HANDSHAKE, 0);
        receiver.consume(1, RatchetType.HANDSHAKE, 0);
        assertThatThrownBy(() -> receiver.decryptionKey(1, RatchetType.HANDSHAKE, 0))
                .isInstanceOf(MlsProtocolException.class)
                .hasMessageContaining("generation 0 was already used or has been deleted");
    }

    @Test
    void consumedGenerationsAreToldApartFromSkippedAndForgottenOnes() {
        SecretTree receiver = tree();
        assertThat(receiver.nextGeneration(3, RatchetType.APPLICATION)).isZero();
        receiver.decryptionKey(3, RatchetType.APPLICATION, 1000);
        receiver.consume(3, RatchetType.APPLICATION, 1000);
        receiver.decryptionKey(3, RatchetType.APPLICATION, 1400);
        receiver.consume(3, RatchetType.APPLICATION, 1400);
        assertThat(receiver.nextGeneration(3, RatchetType.APPLICATION)).isEqualTo(1401);

        assertThat(receiver.wasConsumed(3, RatchetType.APPLICATION, 1400)).isTrue();
        assertThat(receiver.wasConsumed(3, RatchetType.APPLICATION, 1000)).isTrue();
        // skipped and still held: not read yet
        assertThat(receiver.wasConsumed(3, RatchetType.APPLICATION, 1200)).isFalse();
        // skipped and dropped to bound memory (more than MAX_RETAINED_KEYS behind): nobody can tell
        assertThat(receiver.wasConsumed(3, RatchetType.APPLICATION, 100)).isFalse();
        // ahead of the ratchet, and on the other ratchet of the leaf
        assertThat(receiver.wasConsumed(3, RatchetType.APPLICATION, 1401)).isFalse();
        assertThat(receiver.wasConsumed(3, RatchetType.HANDSHAKE, 0)).isFalse();

        SecretTree sender = tree();
        sender.nextEncryptionKey(1, RatchetType.HANDSHAKE);
        assertThat(sender.wasConsumed(1, RatchetType.HANDSHAKE, 0)).as("a generation this member sent").isTrue();
    }

    @Test
    void generationsTooFarAheadAreRefused() {
        SecretTree receiver = tree();
        assertThatThrownBy(() -> receiver.decryptionKey(0, RatchetType.APPLICATION, SecretTree.MAX_FORWARD_GENERATIONS + 1))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("more than 1000 ahead");
        assertThat(receiver.decryptionKey(0, RatchetType.APPLICATION, SecretTree.MAX_FORWARD_GENERATIONS)).isNotNull();
    }

    @Test
    void onlyABoundedNumberOfSkippedKeysIsKept() {
        SecretTree receiver = tree();
        receiver.decryptionKey(0, RatchetType.APPLICATION, 1000);
        receiver.decryptionKey(0, RatchetType.APPLICATION, 1500);
        // 1501 generations were derived; only the newest 1000 unused keys are kept.
        assertThat(receiver.decryptionKey(0, RatchetType.APPLICATION, 501)).isNotNull();
        assertThatThrownBy(() -> receiver.decryptionKey(0, RatchetType.APPLICATION, 500))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("already used or has been deleted");
    }

    @Test
    void leavesOutsideTheTreeAreRejected() {
        assertThatThrownBy(() -> tree().decryptionKey(4, RatchetType.APPLICATION, 0))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("outside a tree of 4 leaves");
        assertThatThrownBy(() -> new SecretTree(SUITE, SECRET, 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keysAndTreeNeverPrintSecrets() {
        RatchetKey key = tree().nextEncryptionKey(0, RatchetType.APPLICATION);
        assertThat(key.toString()).doesNotContain(java.util.HexFormat.of().formatHex(key.key().copyBytes()))
                .doesNotContain(java.util.HexFormat.of().formatHex(key.nonce().copyBytes()));
        assertThat(tree().toString()).contains("redacted");
    }
}
