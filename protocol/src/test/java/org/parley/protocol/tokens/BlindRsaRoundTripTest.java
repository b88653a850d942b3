package org.parley.protocol.tokens;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BlindRsaRoundTripTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void aBlindSignatureFinalizesToASignatureTheSignerNeverSaw() {
        KeyPair pair = BlindRsa.generateKeyPair(RANDOM);
        RSAPublicKey key = BlindRsa.publicKey(pair.getPublic().getEncoded());
        RSAPrivateCrtKey signer = BlindRsa.privateKey(pair.getPrivate().getEncoded());
        byte[] message = new byte[32];
        RANDOM.nextBytes(message);

        BlindRsa.Blinded blinded = BlindRsa.blind(key, message, RANDOM);
        byte[] blindSignature = BlindRsa.blindSign(signer, blinded.blindedMessage());
        byte[] signature = BlindRsa.finalize(key, message, blindSignature, blinded);

        assertThat(BlindRsa.verify(key, message, signature)).isTrue();
        assertThat(signature).isNotEqualTo(blindSignature);
        assertThat(new String(blinded.blindedMessage(), StandardCharsets.ISO_8859_1))
                .doesNotContain(new String(message, StandardCharsets.ISO_8859_1));
        byte[] other = message.clone();
        other[0] ^= 1;
        assertThat(BlindRsa.verify(key, other, signature)).isFalse();
        assertThatThrownBy(() -> BlindRsa.finalize(key, other, blindSignature, blinded)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlindRsa.blindSign(signer, new byte[255])).hasMessageContaining("256 bytes");
    }
}
