package org.parley.mls.crypto;

/** An HPKE public key in its SerializePublicKey encoding (RFC 9180 Section 7.1.1). */
public final class HpkePublicKey extends KeyMaterial {
    public HpkePublicKey(byte[] bytes) {
        super(bytes);
    }

    @Override
    boolean isSecret() {
        return false;
    }
}
