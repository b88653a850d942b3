package org.parley.server.signatures;

import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/** Ed25519 signature verification (RFC 8032 section 5.1.7, BouncyCastle). */
public final class Ed25519 {
    public static final int PUBLIC_KEY_BYTES = 32;
    public static final int SIGNATURE_BYTES = 64;

    private Ed25519() {
    }

    /**
     * Whether {@code signature} is {@code publicKey}'s signature over {@code content}. False, never
     * an exception, for a key or signature of the wrong length or a key that is no curve point.
     */
    public static boolean verify(byte[] publicKey, byte[] content, byte[] signature) {
        if (publicKey == null || signature == null || publicKey.length != PUBLIC_KEY_BYTES || signature.length != SIGNATURE_BYTES) {
            return false;
        }
        Ed25519PublicKeyParameters key;
        try {
            key = new Ed25519PublicKeyParameters(publicKey, 0);
        } catch (IllegalArgumentException notAPoint) {
            return false; // 32 bytes that encode no curve point: no signature can verify
        }
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, key);
        verifier.update(content, 0, content.length);
        return verifier.verifySignature(signature);
    }
}
