package org.parley.protocol.tokens;

import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.engines.RSABlindingEngine;
import org.bouncycastle.crypto.engines.RSAEngine;
import org.bouncycastle.crypto.params.RSABlindingParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.params.RSAPrivateCrtKeyParameters;
import org.bouncycastle.crypto.signers.PSSSigner;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;

/**
 * RSA blind signatures, RFC 9474, variant RSABSSA-SHA384-PSS-Deterministic (section 5: SHA-384,
 * MGF1 with SHA-384, salt length 48, the identity as Prepare), built on BouncyCastle's PSS
 * encoding and RSA blinding engine. The client {@link #blind}s a message, the signer signs the
 * blinded message without seeing it ({@link #blindSign}), the client {@link #finalize}s the
 * blind signature into an ordinary RSASSA-PSS signature that anyone can {@link #verify}; the signer
 * cannot link that signature to the blinded message it signed. Deterministic is safe here because
 * every token message is 32 fresh random bytes (RFC 9474 section 7.3).
 */
public final class BlindRsa {
    /** Modulus length of Parley's token keys. */
    public static final int MODULUS_BITS = 2048;
    /** RFC 9474 section 5: sLen = 48 for the PSS variants. */
    public static final int SALT_BYTES = 48;

    private BlindRsa() {
    }

    /** The blinded message to send to the signer, and the inverse that {@link #finalize} needs (keep it secret). */
    public record Blinded(byte[] blindedMessage, BigInteger inverse) {
        @Override
        public String toString() {
            return "Blinded[" + blindedMessage.length + " bytes]";
        }
    }

    /** A fresh key pair with e = 65537. */
    public static KeyPair generateKeyPair(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(new RSAKeyGenParameterSpec(MODULUS_BITS, RSAKeyGenParameterSpec.F4), random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA key generation is not available", e);
        }
    }

    /** Parses an X.509 SubjectPublicKeyInfo RSA key. @throws IllegalArgumentException when it is not one */
    public static RSAPublicKey publicKey(byte[] subjectPublicKeyInfo) {
        try {
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(subjectPublicKeyInfo));
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException("not an RSA public key (X.509 SubjectPublicKeyInfo)");
        }
    }

    /** Parses a PKCS #8 RSA private key with its CRT parameters. @throws IllegalArgumentException when it is not one */
    public static RSAPrivateCrtKey privateKey(byte[] pkcs8) {
        try {
            return (RSAPrivateCrtKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException("not an RSA private key with CRT parameters (PKCS #8)");
        }
    }

    /** RFC 9474 section 4.2 Blind, with a random salt and blinding factor. */
    public static Blinded blind(RSAPublicKey key, byte[] message, SecureRandom random) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        BigInteger n = key.getModulus();
        BigInteger r;
        do {
            r = new BigInteger(n.bitLength(), random);
        } while (r.signum() == 0 || r.compareTo(n) >= 0 || !r.gcd(n).equals(BigInteger.ONE));
        return blind(key, message, salt, r.modInverse(n));
    }

    /** Blind with a given salt and inverse (r^-1 mod n), as RFC 9474 Appendix A's test vectors give them. */
    static Blinded blind(RSAPublicKey key, byte[] message, byte[] salt, BigInteger inverse) {
        RSAKeyParameters publicKey = parameters(key);
        BigInteger r = inverse.modInverse(publicKey.getModulus());
        PSSSigner encoder = new PSSSigner(new RSABlindingEngine(), new SHA384Digest(), new SHA384Digest(), salt);
        encoder.init(true, new RSABlindingParameters(publicKey, r));
        encoder.update(message, 0, message.length);
        try {
            return new Blinded(leftPad(encoder.generateSignature(), modulusBytes(key)), inverse);
        } catch (CryptoException e) {
            throw new IllegalArgumentException("the message cannot be encoded for this key", e);
        }
    }

    /**
     * RFC 9474 section 4.3 BlindSign: s = m^d mod n, checked by s^e mod n = m so that a fault in the
     * private operation cannot leak the key.
     *
     * @throws IllegalArgumentException when the blinded message is not the modulus length or not below n
     */
    public static byte[] blindSign(RSAPrivateCrtKey key, byte[] blindedMessage) {
        int length = (key.getModulus().bitLength() + 7) / 8;
        if (blindedMessage.length != length) {
            throw new IllegalArgumentException("a blinded message is " + length + " bytes, got " + blindedMessage.length);
        }
        BigInteger m = new BigInteger(1, blindedMessage);
        if (m.compareTo(key.getModulus()) >= 0) {
            throw new IllegalArgumentException("a blinded message must be below the modulus");
        }
        RSAEngine signer = new RSAEngine();
        signer.init(true, new RSAPrivateCrtKeyParameters(key.getModulus(), key.getPublicExponent(), key.getPrivateExponent(),
                key.getPrimeP(), key.getPrimeQ(), key.getPrimeExponentP(), key.getPrimeExponentQ(), key.getCrtCoefficient()));
        byte[] s = signer.processBlock(blindedMessage, 0, blindedMessage.length);
        if (!new BigInteger(1, s).modPow(key.getPublicExponent(), key.getModulus()).equals(m)) {
            throw new IllegalStateException("the RSA signing operation failed its check");
        }
        return leftPad(s, length);
    }

    /**
     * RFC 9474 section 4.4 Finalize: unblinds and verifies.
     *
     * @throws IllegalArgumentException when the result is not a valid signature of {@code message}
     *     (the signer cheated, or used another key)
     */
    public static byte[] finalize(RSAPublicKey key, byte[] message, byte[] blindSignature, Blinded blinded) {
        int length = modulusBytes(key);
        if (blindSignature.length != length) {
            throw new IllegalArgumentException("a blind signature is " + length + " bytes, got " + blindSignature.length);
        }
        BigInteger n = key.getModulus();
        BigInteger signature = new BigInteger(1, blindSignature).multiply(blinded.inverse()).mod(n);
        byte[] result = leftPad(signature.toByteArray(), length);
        if (!verify(key, message, result)) {
            throw new IllegalArgumentException("the blind signature does not finalize to a valid signature under this key");
        }
        return result;
    }

    /** RSASSA-PSS-VERIFY with SHA-384, MGF1-SHA-384 and a 48-byte salt (RFC 8017 section 8.1.2). */
    public static boolean verify(RSAPublicKey key, byte[] message, byte[] signature) {
        if (signature.length != modulusBytes(key)) {
            return false;
        }
        PSSSigner verifier = new PSSSigner(new RSAEngine(), new SHA384Digest(), new SHA384Digest(), SALT_BYTES);
        verifier.init(false, parameters(key));
        verifier.update(message, 0, message.length);
        return verifier.verifySignature(signature);
    }

    private static RSAKeyParameters parameters(RSAPublicKey key) {
        return new RSAKeyParameters(false, key.getModulus(), key.getPublicExponent());
    }

    private static int modulusBytes(RSAPublicKey key) {
        return (key.getModulus().bitLength() + 7) / 8;
    }

    /** Big-endian unsigned, exactly {@code length} bytes (I2OSP, RFC 8017 section 4.1). */
    private static byte[] leftPad(byte[] value, int length) {
        int start = 0;
        while (value.length - start > length && value[start] == 0) {
            start++;
        }
        if (value.length - start > length) {
            throw new IllegalArgumentException("integer too large");
        }
        byte[] out = new byte[length];
        System.arraycopy(value, start, out, length - (value.length - start), value.length - start);
        return out;
    }
}
