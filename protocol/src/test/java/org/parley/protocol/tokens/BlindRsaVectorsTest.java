package org.parley.protocol.tokens;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * BlindRsa against RFC 9474 Appendix A (resource rfc9474-vectors.txt): blind with the vector's
 * salt and inverse, BlindSign, Finalize and verify, byte for byte; then the inputs an attacker
 * controls, on either side.
 */
class BlindRsaVectorsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One vector: field name to bytes. */
    private record Vector(Map<String, byte[]> fields) {
        byte[] bytes(String name) {
            return fields.get(name).clone();
        }

        BigInteger number(String name) {
            return new BigInteger(1, fields.get(name));
        }

        String name() {
            return new String(fields.get("name"), StandardCharsets.US_ASCII);
        }

        RSAPublicKey publicKey() throws GeneralSecurityException {
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(number("n"), number("e")));
        }

        RSAPrivateCrtKey privateKey() throws GeneralSecurityException {
            BigInteger p = number("p");
            BigInteger q = number("q");
            BigInteger d = number("d");
            BigInteger one = BigInteger.ONE;
            return (RSAPrivateCrtKey) KeyFactory.getInstance("RSA").generatePrivate(new RSAPrivateCrtKeySpec(number("n"), number("e"), d,
                    p, q, d.mod(p.subtract(one)), d.mod(q.subtract(one)), q.modInverse(p)));
        }
    }

    private static List<Vector> vectors() throws IOException {
        List<Vector> vectors = new ArrayList<>();
        try (InputStream in = BlindRsaVectorsTest.class.getResourceAsStream("rfc9474-vectors.txt")) {
            Map<String, byte[]> fields = new LinkedHashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n", -1)) {
                if (line.startsWith("#")) {
                    continue;
                }
                if (line.isBlank()) {
                    if (!fields.isEmpty()) {
                        vectors.add(new Vector(fields));
                        fields = new LinkedHashMap<>();
                    }
                    continue;
                }
                int colon = line.indexOf(": ");
                String key = line.substring(0, colon);
                String value = line.substring(colon + 2).strip();
                fields.put(key, key.equals("name") ? value.getBytes(StandardCharsets.US_ASCII) : HEX.parseHex(value));
            }
        }
        return vectors;
    }

    @Test
    void everyVectorOfRfc9474AppendixAThatTheVariantServesPasses() throws Exception {
        List<Vector> vectors = vectors();
        assertThat(vectors).extracting(Vector::name)
                .containsExactly("RSABSSA-SHA384-PSS-Randomized", "RSABSSA-SHA384-PSS-Deterministic");
        int passed = 0;
        for (Vector vector : vectors) {
            RSAPublicKey key = vector.publicKey();
            RSAPrivateCrtKey signer = vector.privateKey();
            // RFC 9474 section 4.1 Prepare: the randomized variant prefixes 32 random bytes, the deterministic one is the identity.
            byte[] prepared = concat(vector.bytes("msg_prefix"), vector.bytes("msg"));
            assertThat(vector.bytes("input_msg")).as(vector.name() + " input_msg").isEqualTo(prepared);

            BlindRsa.Blinded blinded = BlindRsa.blind(key, prepared, vector.bytes("salt"), vector.number("inv"));
            assertThat(HEX.formatHex(blinded.blindedMessage())).as(vector.name() + " blinded_msg").isEqualTo(HEX.formatHex(vector.bytes("blinded_msg")));
            byte[] blindSignature = BlindRsa.blindSign(signer, blinded.blindedMessage());
            assertThat(HEX.formatHex(blindSignature)).as(vector.name() + " blind_sig").isEqualTo(HEX.formatHex(vector.bytes("blind_sig")));
            byte[] signature = BlindRsa.finalize(key, prepared, blindSignature, blinded);
            assertThat(HEX.formatHex(signature)).as(vector.name() + " sig").isEqualTo(HEX.formatHex(vector.bytes("sig")));
            assertThat(BlindRsa.verify(key, prepared, vector.bytes("sig"))).as(vector.name() + " verify").isTrue();
            passed++;
        }
        System.out.println("RFC 9474 vectors: " + passed + " of " + vectors.size() + " passed");
    }

    @Test
    void theSignerRefusesBlindedMessagesOfTheWrongLengthOrNotBelowTheModulus() throws Exception {
        Vector vector = vectors().get(1);
        RSAPrivateCrtKey signer = vector.privateKey();
        int length = vector.bytes("n").length;
        assertThatThrownBy(() -> BlindRsa.blindSign(signer, new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlindRsa.blindSign(signer, new byte[length - 1])).hasMessageContaining(length + " bytes");
        assertThatThrownBy(() -> BlindRsa.blindSign(signer, new byte[length + 1])).hasMessageContaining(length + " bytes");
        byte[] modulus = vector.bytes("n");
        assertThatThrownBy(() -> BlindRsa.blindSign(signer, modulus)).hasMessageContaining("below the modulus");
        byte[] allOnes = new byte[length];
        Arrays.fill(allOnes, (byte) 0xff);
        assertThatThrownBy(() -> BlindRsa.blindSign(signer, allOnes)).hasMessageContaining("below the modulus");
    }

    @Test
    void finalizeAndVerifyRefuseWhatTheKeyDidNotSign() throws Exception {
        Vector vector = vectors().get(1);
        RSAPublicKey key = vector.publicKey();
        byte[] message = vector.bytes("input_msg");
        BlindRsa.Blinded blinded = BlindRsa.blind(key, message, vector.bytes("salt"), vector.number("inv"));

        // A blind signature by another key of the same size: Finalize notices the cheating signer.
        KeyPair other = otherKeyOfTheSameSize(key);
        byte[] byOther = BlindRsa.blindSign((RSAPrivateCrtKey) other.getPrivate(), reduced(blinded.blindedMessage(), (RSAPublicKey) other.getPublic()));
        assertThatThrownBy(() -> BlindRsa.finalize(key, message, byOther, blinded)).isInstanceOf(IllegalArgumentException.class);
        // A signature valid under another key does not verify under this one.
        BlindRsa.Blinded blindedForOther = BlindRsa.blind((RSAPublicKey) other.getPublic(), message, RANDOM);
        byte[] otherSignature = BlindRsa.finalize((RSAPublicKey) other.getPublic(), message,
                BlindRsa.blindSign((RSAPrivateCrtKey) other.getPrivate(), blindedForOther.blindedMessage()), blindedForOther);
        assertThat(BlindRsa.verify(key, message, otherSignature)).isFalse();

        byte[] signature = vector.bytes("sig");
        assertThat(BlindRsa.verify(key, message, Arrays.copyOf(signature, signature.length - 1))).isFalse();
        assertThat(BlindRsa.verify(key, message, Arrays.copyOf(signature, signature.length + 1))).isFalse();
        assertThat(BlindRsa.verify(key, message, new byte[0])).isFalse();
        assertThat(BlindRsa.verify(key, message, vector.bytes("n"))).as("a signature not below n").isFalse();
        byte[] flipped = signature.clone();
        flipped[signature.length / 2] ^= 1;
        assertThat(BlindRsa.verify(key, message, flipped)).isFalse();
        assertThat(BlindRsa.verify(key, vector.bytes("msg_prefix"), signature)).as("another message").isFalse();
        assertThatThrownBy(() -> BlindRsa.finalize(key, message, new byte[10], blinded)).hasMessageContaining("bytes");
    }

    @Test
    void malformedKeysAreRefusedAsSuch() {
        assertThatThrownBy(() -> BlindRsa.publicKey(new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlindRsa.publicKey(new byte[300])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlindRsa.privateKey(new byte[] {0x30, 0x03, 0x02, 0x01})).isInstanceOf(IllegalArgumentException.class);
        KeyPair pair = BlindRsa.generateKeyPair(RANDOM);
        // The private key's encoding is not a public key, nor the public key's a private one.
        assertThatThrownBy(() -> BlindRsa.publicKey(pair.getPrivate().getEncoded())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlindRsa.privateKey(pair.getPublic().getEncoded())).isInstanceOf(IllegalArgumentException.class);
    }

    /** A fresh key with the vector key's modulus length (4096 bits): slow to make, so made once per test that needs it. */
    private static KeyPair otherKeyOfTheSameSize(RSAPublicKey key) throws GeneralSecurityException {
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(new java.security.spec.RSAKeyGenParameterSpec(key.getModulus().bitLength(), java.security.spec.RSAKeyGenParameterSpec.F4), RANDOM);
        return generator.generateKeyPair();
    }

    /** The blinded message as a number below the other key's modulus, as a signer would accept it. */
    private static byte[] reduced(byte[] blindedMessage, RSAPublicKey other) {
        BigInteger value = new BigInteger(1, blindedMessage).mod(other.getModulus());
        byte[] raw = value.toByteArray();
        byte[] out = new byte[blindedMessage.length];
        int copy = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - copy, out, out.length - copy, copy);
        return out;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] out = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, out, first.length, second.length);
        return out;
    }
}
