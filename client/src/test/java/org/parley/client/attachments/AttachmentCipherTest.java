package org.parley.client.attachments;

import org.parley.mls.crypto.Secret;
import org.junit.jupiter.api.Test;
import org.parley.mls.codec.Bytes;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AttachmentCipherTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final byte[] file = "a small file".getBytes(StandardCharsets.UTF_8);

    @Test
    void sealsWithAFreshKeyAndOpensWhatWasSealed() {
        AttachmentCipher.Sealed a = AttachmentCipher.seal(file, RANDOM);
        AttachmentCipher.Sealed b = AttachmentCipher.seal(file, RANDOM);
        assertThat(a.key()).isNotEqualTo(b.key()).isEqualTo(Secret.copyOf(a.key().copyBytes()));
        assertThat(new String(a.blob(), StandardCharsets.ISO_8859_1)).doesNotContain("small file");
        assertThat(AttachmentCipher.open(a.blob(), a.key(), a.digest(), a.size())).isEqualTo(file);
    }

    @Test
    void theRecordsThatCarryTheKeyNeverPrintIt() {
        AttachmentCipher.Sealed sealed = AttachmentCipher.seal(file, RANDOM);
        Attachments.Pointer pointer = new Attachments.Pointer("00112233445566778899", sealed.key(), sealed.digest(), sealed.size(), "a.txt");
        byte[] key = sealed.key().copyBytes();
        for (String shown : List.of(sealed.toString(), pointer.toString(), sealed.key().toString())) {
            assertThat(shown).doesNotContain(HexFormat.of().formatHex(key)).doesNotContain(Arrays.toString(key));
        }
        assertThat(List.of(sealed.toString(), pointer.toString())).allMatch(shown -> shown.contains("key hidden"));
        assertThat(new Attachments.Pointer("00112233445566778899", Secret.copyOf(key), Bytes.copyOf(sealed.digest().toByteArray()),
                sealed.size(), "a.txt"))
                .as("built from a message's arrays").isEqualTo(pointer).hasSameHashCodeAs(pointer);
    }

    @Test
    void refusesAlteredBlobsWrongKeysAndWrongSizes() {
        AttachmentCipher.Sealed sealed = AttachmentCipher.seal(file, RANDOM);
        byte[] altered = sealed.blob().clone();
        altered[altered.length - 1] ^= 1;
        assertThatThrownBy(() -> AttachmentCipher.open(altered, sealed.key(), sealed.digest(), sealed.size()))
                .isInstanceOf(AttachmentException.class).hasMessageContaining("digest");
        assertThatThrownBy(() -> AttachmentCipher.open(altered, sealed.key(), Bytes.copyOf(AttachmentCipher.sha256(altered)), sealed.size()))
                .isInstanceOf(AttachmentException.class).hasMessageContaining("altered");
        Secret otherKey = Secret.copyOf(new byte[32]);
        assertThatThrownBy(() -> AttachmentCipher.open(sealed.blob(), otherKey, sealed.digest(), sealed.size()))
                .isInstanceOf(AttachmentException.class);
        assertThatThrownBy(() -> AttachmentCipher.open(sealed.blob(), sealed.key(), sealed.digest(), sealed.size() + 1))
                .isInstanceOf(AttachmentException.class).hasMessageContaining("size");
        assertThatThrownBy(() -> AttachmentCipher.open(new byte[3], sealed.key(), Bytes.copyOf(AttachmentCipher.sha256(new byte[3])), 0))
                .isInstanceOf(AttachmentException.class);
        assertThatThrownBy(() -> AttachmentCipher.open(sealed.blob(), Secret.copyOf(new byte[5]), sealed.digest(), sealed.size()))
                .isInstanceOf(AttachmentException.class).hasMessageContaining("key");
    }
}
