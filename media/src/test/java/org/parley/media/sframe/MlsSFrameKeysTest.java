package org.parley.media.sframe;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MlsSFrameKeysTest {

    @Test
    void kidLayoutMatchesTheRfcFigure() {
        // RFC 9605 Section 5.2 figure: E = 4, S = 6.
        assertThat(MlsSFrameKeys.kid(0, 3, 14, 6, 4)).isEqualTo(0x3e);
        assertThat(MlsSFrameKeys.kid(0, 7, 14, 6, 4)).isEqualTo(0x7e);
        assertThat(MlsSFrameKeys.kid(0, 20, 14, 6, 4)).isEqualTo(0x14e);
        assertThat(MlsSFrameKeys.kid(0, 5, 15, 6, 4)).isEqualTo(0x5f);
        assertThat(MlsSFrameKeys.kid(2, 2, 16, 6, 4)).isEqualTo(0x820);
        assertThat(MlsSFrameKeys.kid(3, 2, 16, 6, 4)).isEqualTo(0xc20);
        assertThat(MlsSFrameKeys.kid(0, 33, 17, 6, 4)).isEqualTo(0x211);
    }

    @Test
    void indexBitsIsTheSmallestThatHoldsTheGroup() {
        assertThat(MlsSFrameKeys.indexBits(1)).isZero();
        assertThat(MlsSFrameKeys.indexBits(2)).isEqualTo(1);
        assertThat(MlsSFrameKeys.indexBits(64)).isEqualTo(6);
        assertThat(MlsSFrameKeys.indexBits(65)).isEqualTo(7);
    }

    /** A stand-in for one epoch's MLS exporter: a hash of the epoch and the label. */
    private static MlsSFrameKeys.Exporter exporterOfEpoch(long epoch) {
        return (label, context, length) -> {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-512")
                        .digest((epoch + "/" + label).getBytes(StandardCharsets.UTF_8));
                return java.util.Arrays.copyOf(digest, length);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new AssertionError(e);
            }
        };
    }

    @Test
    void membersDecryptEachOtherAcrossEpochsAndOldEpochsAreDropped() throws Exception {
        List<Integer> members = List.of(0, 1, 2);
        MlsSFrameKeys alice = new MlsSFrameKeys(SFrameCipherSuite.AES_128_GCM_SHA256_128, 1);
        MlsSFrameKeys bob = new MlsSFrameKeys(SFrameCipherSuite.AES_128_GCM_SHA256_128, 1);
        alice.enterEpoch(4, 0, members, 3, exporterOfEpoch(4));
        bob.enterEpoch(4, 1, members, 3, exporterOfEpoch(4));
        byte[] epoch4 = alice.encrypt(new byte[0], "audio".getBytes(StandardCharsets.UTF_8));
        assertThat(bob.decrypt(new byte[0], epoch4)).asString(StandardCharsets.UTF_8).isEqualTo("audio");

        alice.enterEpoch(5, 0, members, 3, exporterOfEpoch(5));
        bob.enterEpoch(5, 1, members, 3, exporterOfEpoch(5));
        // A late frame of epoch 4 still decrypts: E = 1 keeps two epochs.
        assertThat(bob.decrypt(new byte[0], epoch4)).asString(StandardCharsets.UTF_8).isEqualTo("audio");
        byte[] epoch5 = bob.encrypt(new byte[0], "video".getBytes(StandardCharsets.UTF_8));
        assertThat(alice.decrypt(new byte[0], epoch5)).asString(StandardCharsets.UTF_8).isEqualTo("video");

        bob.enterEpoch(6, 1, members, 3, exporterOfEpoch(6));
        // Epoch 6 shares epoch 4's low bit and so its KIDs: epoch 4's keys were replaced, and a
        // late epoch-4 frame now fails authentication instead of decrypting.
        assertThatThrownBy(() -> bob.decrypt(new byte[0], epoch4))
                .isInstanceOf(SFrameException.class).hasMessageContaining("authentication failed");
    }

    @Test
    void aMemberOfAnotherEpochSecretCannotDecrypt() {
        MlsSFrameKeys alice = new MlsSFrameKeys(SFrameCipherSuite.AES_128_GCM_SHA256_128, 2);
        MlsSFrameKeys eve = new MlsSFrameKeys(SFrameCipherSuite.AES_128_GCM_SHA256_128, 2);
        alice.enterEpoch(1, 0, List.of(0, 1), 2, exporterOfEpoch(1));
        eve.enterEpoch(1, 1, List.of(0, 1), 2, exporterOfEpoch(99));
        byte[] frame = alice.encrypt(new byte[0], new byte[10]);
        assertThatThrownBy(() -> eve.decrypt(new byte[0], frame))
                .isInstanceOf(SFrameException.class).hasMessageContaining("authentication failed");
    }
}
