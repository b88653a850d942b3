package org.parley.mls.crypto;

import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.parley.mls.codec.MlsProtocolException;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CipherSuiteTest {
    private final SecureRandom random = new SecureRandom();
    private final byte[] context = "context".getBytes(StandardCharsets.UTF_8);
    private final byte[] message = "hello group".getBytes(StandardCharsets.UTF_8);

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void signaturesVerifyOnlyForTheSignedLabelAndContent(CipherSuite suite) {
        SignatureKeyPair pair = suite.generateSignatureKeyPair(random);
        byte[] signature = suite.signWithLabel(pair.privateKey(), "Label", message);
        assertThat(suite.verifyWithLabel(pair.publicKey(), "Label", message, signature)).isTrue();
        assertThat(suite.verifyWithLabel(pair.publicKey(), "Other", message, signature)).isFalse();
        assertThat(suite.verifyWithLabel(pair.publicKey(), "Label", "hello grouq".getBytes(StandardCharsets.UTF_8), signature)).isFalse();
        assertThat(suite.verifyWithLabel(suite.generateSignatureKeyPair(random).publicKey(), "Label", message, signature)).isFalse();
        assertThat(suite.verifyWithLabel(new SignaturePublicKey(new byte[] {1, 2, 3}), "Label", message, signature)).isFalse();
        assertThat(suite.verifyWithLabel(pair.publicKey(), "Label", message, Arrays.copyOf(signature, signature.length - 1))).isFalse();
        assertThat(suite.verifyWithLabel(pair.publicKey(), "Label", message, Arrays.copyOf(signature, signature.length + 1))).isFalse();
        assertThat(suite.signaturePublicKey(pair.privateKey())).isEqualTo(pair.publicKey());
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void encryptWithLabelRoundTripsAndRejectsTheWrongKeyOrTampering(CipherSuite suite) {
        HpkeKeyPair pair = suite.generateHpkeKeyPair(random);
        HpkeCiphertext ct = suite.encryptWithLabel(pair.publicKey(), "Label", context, message, random);
        assertThat(suite.decryptWithLabel(pair.privateKey(), "Label", context, ct)).isEqualTo(message);

        HpkeKeyPair other = suite.generateHpkeKeyPair(random);
        assertThatThrownBy(() -> suite.decryptWithLabel(other.privateKey(), "Label", context, ct))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("AEAD decryption failed");
        assertThatThrownBy(() -> suite.decryptWithLabel(pair.privateKey(), "Other", context, ct))
                .isInstanceOf(MlsProtocolException.class);
        byte[] tampered = ct.ciphertext().toByteArray();
        tampered[0] ^= 1;
        assertThatThrownBy(() -> suite.decryptWithLabel(pair.privateKey(), "Label", context, ct.kemOutput().toByteArray(), tampered))
                .isInstanceOf(MlsProtocolException.class);
        assertThatThrownBy(() -> suite.decryptWithLabel(pair.privateKey(), "Label", context,
                Arrays.copyOf(ct.kemOutput().toByteArray(), ct.kemOutput().length() - 1), ct.ciphertext().toByteArray()))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("encapsulated key must be");
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void deriveKeyPairIsDeterministic(CipherSuite suite) {
        byte[] ikm = new byte[32];
        HpkeKeyPair a = suite.deriveHpkeKeyPair(ikm);
        assertThat(suite.deriveHpkeKeyPair(ikm)).isEqualTo(a);
        assertThat(suite.hpkePublicKey(a.privateKey())).isEqualTo(a.publicKey());
        assertThat(a.publicKey().bytes()).hasSize(suite.kem().publicKeyLength());
    }

    @Test
    void aeadRejectsTamperedCiphertextAndShortInput() {
        CipherSuite suite = CipherSuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519;
        byte[] key = new byte[suite.aeadKeyLength()];
        byte[] nonce = new byte[suite.aeadNonceLength()];
        byte[] ct = suite.seal(key, nonce, context, message);
        assertThat(suite.open(key, nonce, context, ct)).isEqualTo(message);
        ct[ct.length - 1] ^= 1;
        assertThatThrownBy(() -> suite.open(key, nonce, context, ct)).isInstanceOf(MlsProtocolException.class);
        assertThatThrownBy(() -> suite.open(key, nonce, context, new byte[3]))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("shorter than the 16-byte tag");
    }

    @Test
    void smallOrderX25519PublicKeyIsRejected() {
        CipherSuite suite = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
        HpkePublicKey zero = new HpkePublicKey(new byte[32]);
        assertThatThrownBy(() -> suite.encryptWithLabel(zero, "Label", context, message, random))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("small-order");
    }

    @Test
    void invalidP256PublicKeyIsRejected() {
        CipherSuite suite = CipherSuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256;
        byte[] notOnCurve = new byte[65];
        notOnCurve[0] = 4;
        notOnCurve[64] = 1;
        assertThatThrownBy(() -> suite.encryptWithLabel(new HpkePublicKey(notOnCurve), "Label", context, message, random))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("not a valid curve point");
    }

    @Test
    void unknownSuiteIsAProtocolError() {
        assertThatThrownBy(() -> CipherSuite.fromId(0x0008))
                .isInstanceOf(MlsProtocolException.class).hasMessageContaining("0x0008");
        assertThat(CipherSuite.fromId(3)).isEqualTo(CipherSuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519);
    }

    @Test
    void privateKeysNeverPrintTheirBytes() {
        CipherSuite suite = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
        HpkeKeyPair hpke = suite.generateHpkeKeyPair(random);
        SignatureKeyPair sig = suite.generateSignatureKeyPair(random);
        String hpkeHex = HexFormat.of().formatHex(hpke.privateKey().bytes());
        String sigHex = HexFormat.of().formatHex(sig.privateKey().bytes());
        assertThat(hpke.toString()).doesNotContain(hpkeHex).doesNotContain(hpkeHex.substring(0, 16)).contains("redacted");
        assertThat(sig.toString()).doesNotContain(sigHex.substring(0, 16)).contains("redacted");
        assertThat(hpke.publicKey().toString()).contains(HexFormat.of().formatHex(hpke.publicKey().bytes(), 0, 8));
    }

    /** The JDK's HMAC and digest against BouncyCastle's, including the empty key the JDK's key spec refuses. */
    @ParameterizedTest
    @EnumSource(Kdf.class)
    void hashAndMacAgreeWithBouncyCastle(Kdf kdf) {
        Digest digest = switch (kdf) {
            case HKDF_SHA256 -> new SHA256Digest();
            case HKDF_SHA384 -> new SHA384Digest();
            case HKDF_SHA512 -> new SHA512Digest();
        };
        byte[] data = new byte[1000];
        random.nextBytes(data);
        byte[] expectedHash = new byte[digest.getDigestSize()];
        digest.update(data, 0, data.length);
        digest.doFinal(expectedHash, 0);
        assertThat(kdf.hash(data)).isEqualTo(expectedHash);
        for (byte[] key : new byte[][] {new byte[0], new byte[] {0}, new byte[kdf.hashLength()], message}) {
            HMac hmac = new HMac(digest);
            hmac.init(new KeyParameter(key));
            hmac.update(data, 0, data.length);
            byte[] expectedMac = new byte[hmac.getMacSize()];
            hmac.doFinal(expectedMac, 0);
            assertThat(kdf.mac(key, data)).as("HMAC with a %d-byte key", key.length).isEqualTo(expectedMac);
        }
    }

    @Test
    void expandWithLabelRefusesOverLongOutput() {
        CipherSuite suite = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
        assertThatThrownBy(() -> suite.expandWithLabel(new byte[32], "x", new byte[0], 255 * 32 + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> suite.deriveTreeSecret(Secret.copyOf(new byte[32]), "x", -1, 16))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
