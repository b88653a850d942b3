package org.parley.mls.crypto;

import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.Signer;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.params.Ed448PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed448PublicKeyParameters;
import org.bouncycastle.crypto.signers.DSADigestSigner;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.signers.Ed448Signer;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.bouncycastle.util.BigIntegers;
import org.parley.mls.codec.MlsProtocolException;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.function.Supplier;

/**
 * The TLS SignatureSchemes the MLS cipher suites use (RFC 9420 Section 5.1.2 and 17.1). ECDSA
 * signatures are DER-encoded and deterministic (RFC 6979); EdDSA signatures are the raw RFC 8032
 * form (Ed448 with an empty context). BouncyCastle's lightweight signers are used directly.
 */
public enum SignatureScheme {
    ECDSA_SECP256R1_SHA256(0x0403, "secp256r1", 32, SHA256Digest::new),
    ECDSA_SECP384R1_SHA384(0x0503, "secp384r1", 48, SHA384Digest::new),
    ECDSA_SECP521R1_SHA512(0x0603, "secp521r1", 66, SHA512Digest::new),
    ED25519(0x0807, null, Ed25519PrivateKeyParameters.KEY_SIZE, null),
    ED448(0x0808, null, Ed448PrivateKeyParameters.KEY_SIZE, null);

    private static final byte[] ED448_CONTEXT = new byte[0];

    private final int id;
    private final ECDomainParameters domain;
    private final int privateKeyLength;
    private final Supplier<Digest> digest;

    SignatureScheme(int id, String curve, int privateKeyLength, Supplier<Digest> digest) {
        this.id = id;
        this.domain = curve == null ? null : new ECDomainParameters(CustomNamedCurves.getByName(curve));
        this.privateKeyLength = privateKeyLength;
        this.digest = digest;
    }

    /** The TLS SignatureScheme code point. */
    public int id() {
        return id;
    }

    public SignatureKeyPair generateKeyPair(SecureRandom random) {
        byte[] sk;
        if (domain == null) {
            sk = new byte[privateKeyLength];
            random.nextBytes(sk);
        } else {
            BigInteger d = BigIntegers.createRandomInRange(BigInteger.ONE, domain.getN().subtract(BigInteger.ONE), random);
            sk = BigIntegers.asUnsignedByteArray(privateKeyLength, d);
        }
        SignaturePrivateKey priv = new SignaturePrivateKey(sk);
        return new SignatureKeyPair(priv, publicKeyOf(priv));
    }

    public SignaturePublicKey publicKeyOf(SignaturePrivateKey key) {
        return switch (this) {
            case ED25519 -> new SignaturePublicKey(ed25519Private(key).generatePublicKey().getEncoded());
            case ED448 -> new SignaturePublicKey(ed448Private(key).generatePublicKey().getEncoded());
            default -> new SignaturePublicKey(new FixedPointCombMultiplier()
                    .multiply(domain.getG(), ecPrivate(key).getD()).getEncoded(false));
        };
    }

    public byte[] sign(SignaturePrivateKey key, byte[] message) {
        Signer signer = newSigner();
        AsymmetricKeyParameter params = switch (this) {
            case ED25519 -> ed25519Private(key);
            case ED448 -> ed448Private(key);
            default -> ecPrivate(key);
        };
        signer.init(true, params);
        signer.update(message, 0, message.length);
        try {
            return signer.generateSignature();
        } catch (org.bouncycastle.crypto.CryptoException e) {
            throw new IllegalStateException(this + " signing failed", e);
        }
    }

    /** True when the signature is valid; a malformed key or signature is simply not valid. */
    public boolean verify(SignaturePublicKey key, byte[] message, byte[] signature) {
        AsymmetricKeyParameter params;
        try {
            params = key.derived(this, this::publicParameters);
        } catch (IllegalArgumentException | MlsProtocolException e) {
            return false;
        }
        if (params instanceof Ed25519PublicKeyParameters ed25519) {
            // The key object's own verify, on the message in place: Ed25519Signer would first copy
            // it into a buffer (a joiner verifies every leaf, and a GroupInfo as large as the tree).
            return signature.length == Ed25519.SIGNATURE_SIZE
                    && ed25519.verify(Ed25519.Algorithm.Ed25519, null, message, 0, message.length, signature, 0);
        }
        Signer signer = newSigner();
        signer.init(false, params);
        signer.update(message, 0, message.length);
        return signer.verifySignature(signature);
    }

    private Signer newSigner() {
        return switch (this) {
            case ED25519 -> new Ed25519Signer();
            case ED448 -> new Ed448Signer(ED448_CONTEXT);
            default -> new DSADigestSigner(new ECDSASigner(new HMacDSAKCalculator(digest.get())), digest.get());
        };
    }

    private AsymmetricKeyParameter publicParameters(byte[] pk) {
        return switch (this) {
            case ED25519 -> new Ed25519PublicKeyParameters(pk);
            case ED448 -> new Ed448PublicKeyParameters(pk);
            default -> {
                if (pk.length != 1 + 2 * privateKeyLength || pk[0] != 0x04) {
                    throw new MlsProtocolException(this + " public key must be an uncompressed point");
                }
                yield new ECPublicKeyParameters(domain.validatePublicPoint(domain.getCurve().decodePoint(pk)), domain);
            }
        };
    }

    private Ed25519PrivateKeyParameters ed25519Private(SignaturePrivateKey key) {
        checkLength(key);
        return key.derived(this, Ed25519PrivateKeyParameters::new);
    }

    private Ed448PrivateKeyParameters ed448Private(SignaturePrivateKey key) {
        checkLength(key);
        return key.derived(this, Ed448PrivateKeyParameters::new);
    }

    private ECPrivateKeyParameters ecPrivate(SignaturePrivateKey key) {
        return key.derived(this, this::ecPrivate);
    }

    private ECPrivateKeyParameters ecPrivate(byte[] raw) {
        // Other implementations drop leading zero bytes of the scalar (a 65-byte P-521 key in the
        // official vectors), so a shorter big-endian integer is accepted too.
        if (raw.length > privateKeyLength) {
            throw new MlsProtocolException(this + " private key must be at most " + privateKeyLength + " bytes, was " + raw.length);
        }
        BigInteger d = new BigInteger(1, raw);
        if (d.signum() == 0 || d.compareTo(domain.getN()) >= 0) {
            throw new MlsProtocolException(this + " private key is not a scalar in [1, n-1]");
        }
        return new ECPrivateKeyParameters(d, domain);
    }

    private void checkLength(SignaturePrivateKey key) {
        if (key.raw().length != privateKeyLength) {
            throw new MlsProtocolException(this + " private key must be " + privateKeyLength + " bytes, was " + key.raw().length);
        }
    }
}
