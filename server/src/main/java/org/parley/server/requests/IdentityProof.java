package org.parley.server.requests;

import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.parley.protocol.Auth;

/**
 * Checks that a device signed this connection's challenge with its Ed25519 identity key
 * (RFC 8032 verification, BouncyCastle). No password exists anywhere.
 */
final class IdentityProof {
    static final int SIGNATURE_LENGTH = 64;

    private IdentityProof() {
    }

    static boolean verify(byte[] identityKey, byte[] challenge, byte[] signature) {
        if (signature.length != SIGNATURE_LENGTH) {
            return false;
        }
        Ed25519PublicKeyParameters publicKey;
        try {
            publicKey = new Ed25519PublicKeyParameters(identityKey, 0);
        } catch (IllegalArgumentException notAPoint) {
            return false; // 32 bytes that encode no curve point: no signature can verify
        }
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, publicKey);
        byte[] content = Auth.signedContent(challenge);
        verifier.update(content, 0, content.length);
        return verifier.verifySignature(signature);
    }
}
