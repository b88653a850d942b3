package org.parley.mls.crypto;

import org.junit.jupiter.api.Test;
import org.parley.mls.codec.DecodeException;
import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretTest {
    private static final byte[] BYTES = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");

    @Test
    void equalContentsAreEqualSecretsAndTheHashRevealsOnlyTheLength() {
        Secret a = Secret.copyOf(BYTES);
        Secret b = Secret.copyOf(BYTES.clone());
        byte[] other = BYTES.clone();
        other[15] ^= 1;
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(Secret.copyOf(other));
        assertThat(a.hashCode()).isEqualTo(Secret.copyOf(other).hashCode());
        assertThat(a).isNotEqualTo(Secret.copyOf(new byte[15])).isNotEqualTo(BYTES).isNotEqualTo(null);
        assertThat(new HashSet<>(List.of(a, b, Secret.copyOf(other)))).hasSize(2);
        assertThat(Secret.copyOf(new byte[0])).isEqualTo(Secret.copyOf(new byte[0]));
    }

    @Test
    void toStringShowsOnlyTheLength() {
        Secret secret = Secret.copyOf(BYTES);
        assertThat(secret.toString()).isEqualTo("Secret[16 bytes]").doesNotContain("0011").doesNotContain("eeff");
        record Holder(long epoch, Secret secret) {
        }
        assertThat(new Holder(3, secret).toString()).doesNotContain(HexFormat.of().formatHex(BYTES).substring(0, 8));
        assertThat(new Holder(3, secret)).isEqualTo(new Holder(3, Secret.copyOf(BYTES)));
    }

    @Test
    void neitherTheSourceNorACopyOutReachesTheSecret() {
        byte[] source = BYTES.clone();
        Secret secret = Secret.copyOf(source);
        source[0] = 9;
        byte[] out = secret.copyBytes();
        out[1] = 9;
        assertThat(secret.copyBytes()).isEqualTo(BYTES).isNotSameAs(secret.copyBytes());
    }

    @Test
    void destroyZeroesTheSecretAndLaterUseThrowsButACopySurvives() {
        Secret secret = Secret.copyOf(BYTES);
        Secret copy = secret.copy();
        secret.destroy();
        assertThat(secret.isDestroyed()).isTrue();
        assertThat(secret.toString()).isEqualTo("Secret[16 bytes, destroyed]");
        assertThatThrownBy(secret::copyBytes).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(secret::copy).isInstanceOf(IllegalStateException.class);
        assertThat(secret).isNotEqualTo(copy).isEqualTo(secret);
        assertThat(copy).isNotEqualTo(secret);
        assertThat(copy.copyBytes()).isEqualTo(BYTES);
    }

    @Test
    void aKemEncapsulationPrintsNoSharedSecret() {
        Secret shared = Secret.copyOf(BYTES);
        assertThat(new Kem.Encapsulation(shared, org.parley.mls.codec.Bytes.fromHex("0102")).toString())
                .doesNotContain("0011").doesNotContain("eeff");
    }

    @Test
    void theCodecRoundTripsASecretAndRejectsHostileLengths() {
        TlsWriter w = new TlsWriter();
        Secret.copyOf(BYTES).writeOpaque(w);
        byte[] encoded = w.toByteArray();
        assertThat(Secret.readOpaque(new TlsReader(encoded))).isEqualTo(Secret.copyOf(BYTES));
        byte[] truncated = java.util.Arrays.copyOf(encoded, encoded.length - 1);
        assertThatThrownBy(() -> Secret.readOpaque(new TlsReader(truncated))).isInstanceOf(DecodeException.class);
        byte[] huge = {(byte) 0xBF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        assertThatThrownBy(() -> Secret.readOpaque(new TlsReader(huge))).isInstanceOf(DecodeException.class);
        assertThatThrownBy(() -> Secret.copyOf(null)).isInstanceOf(NullPointerException.class);
    }
}
