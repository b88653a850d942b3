package org.parley.mls.crypto;

/** A signature public key (RFC 9420 Section 5.1.1): raw Ed25519/Ed448 key, or an uncompressed SEC1 point for ECDSA. */
public final class SignaturePublicKey extends KeyMaterial {
    public SignaturePublicKey(byte[] bytes) {
        super(bytes);
    }

    @Override
    boolean isSecret() {
        return false;
    }
}
