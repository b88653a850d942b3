package org.parley.mls.crypto;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The encoded bytes of a key (RFC 9420 Section 5.1: HPKEPublicKey, SignaturePublicKey and their
 * private counterparts), wrapped so that keys are typed objects rather than loose arrays. Private
 * keys never show their bytes in {@code toString} and compare in constant time.
 */
abstract sealed class KeyMaterial
        permits HpkePublicKey, HpkePrivateKey, SignaturePublicKey, SignaturePrivateKey {
    private final byte[] bytes;

    KeyMaterial(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("a key cannot be empty");
        }
        this.bytes = bytes.clone();
    }

    /** A copy of the encoded key. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The encoded key without copying, for the crypto code that only reads it. */
    byte[] raw() {
        return bytes;
    }

    abstract boolean isSecret();

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && MessageDigest.isEqual(bytes, ((KeyMaterial) o).bytes);
    }

    @Override
    public int hashCode() {
        return isSecret() ? getClass().hashCode() : Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        if (isSecret()) {
            return getClass().getSimpleName() + "[" + bytes.length + " bytes, redacted]";
        }
        String hex = HexFormat.of().formatHex(bytes, 0, Math.min(8, bytes.length));
        return getClass().getSimpleName() + "[" + hex + (bytes.length > 8 ? "…" : "") + "]";
    }
}
