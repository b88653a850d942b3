package org.parley.mls.crypto;

/** A signature private key: the raw Ed25519/Ed448 key, or the ECDSA scalar as a big-endian integer of the field size (mls-implementations' encoding). Its bytes never appear in toString. */
public final class SignaturePrivateKey extends KeyMaterial {
    public SignaturePrivateKey(byte[] bytes) {
        super(bytes);
    }

    @Override
    boolean isSecret() {
        return true;
    }
}
