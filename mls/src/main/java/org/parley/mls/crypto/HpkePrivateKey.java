package org.parley.mls.crypto;

/** An HPKE private key in its SerializePrivateKey encoding (RFC 9180 Section 7.1.2). Its bytes never appear in toString. */
public final class HpkePrivateKey extends KeyMaterial {
    public HpkePrivateKey(byte[] bytes) {
        super(bytes);
    }

    @Override
    boolean isSecret() {
        return true;
    }
}
