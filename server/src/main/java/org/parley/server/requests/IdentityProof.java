package org.parley.server.requests;

import org.parley.protocol.Auth;
import org.parley.server.signatures.Ed25519;

/**
 * Checks that a device signed this connection's challenge with its Ed25519 identity key. No
 * password exists anywhere.
 */
final class IdentityProof {
    private IdentityProof() {
    }

    static boolean verify(byte[] identityKey, byte[] challenge, byte[] signature) {
        return Ed25519.verify(identityKey, Auth.signedContent(challenge), signature);
    }
}
