package org.parley.mls.crypto;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.Function;

/**
 * The encoded bytes of a key (RFC 9420 Section 5.1: HPKEPublicKey, SignaturePublicKey and their
 * private counterparts), wrapped so that keys are typed objects rather than loose arrays. Private
 * keys never show their bytes in {@code toString} and compare in constant time.
 */
abstract sealed class KeyMaterial
        permits HpkePublicKey, HpkePrivateKey, SignaturePublicKey, SignaturePrivateKey {
    private final byte[] bytes;
    /** Computed once: a group's uniqueness checks look up thousands of public keys per Commit. */
    private final int hash;
    /** A value derived from the key by one algorithm (BouncyCastle parameters, a public key), kept to avoid redoing the work. */
    private volatile Derived derived;

    private record Derived(Object algorithm, Object value) {
    }

    KeyMaterial(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("a key cannot be empty");
        }
        this.bytes = bytes.clone();
        this.hash = isSecret() ? getClass().hashCode() : Arrays.hashCode(this.bytes);
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

    /**
     * The value {@code derive} computes from this key for {@code algorithm}, computed once: BC's
     * Ed25519 key objects, for example, cache their public key, which halves signing time. A
     * failed derivation is not cached. Keys are immutable, so a race only computes twice.
     */
    @SuppressWarnings("unchecked")
    <T> T derived(Object algorithm, Function<byte[], T> derive) {
        Derived d = derived;
        if (d != null && d.algorithm == algorithm) {
            return (T) d.value;
        }
        T value = derive.apply(bytes);
        derived = new Derived(algorithm, value);
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && MessageDigest.isEqual(bytes, ((KeyMaterial) o).bytes);
    }

    @Override
    public int hashCode() {
        return hash;
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
