package org.parley.mls.crypto;

import org.parley.mls.codec.TlsReader;
import org.parley.mls.codec.TlsWriter;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Secret bytes: an epoch secret, a path or joiner secret, a PSK, a ratchet key or nonce, a KEM
 * shared secret. Where {@link org.parley.mls.codec.Bytes} is a public value, a {@code Secret} is
 * key material, so it lives with the crypto code: the suites' KDF and AEAD read it in place and
 * wrap what they derive without a second copy, and nothing else sees the array.
 *
 * <ul>
 *   <li>{@link #toString()} shows only the length, never the bytes, so a record that holds a
 *       {@code Secret} can be logged or put in an exception message.</li>
 *   <li>{@link #equals} compares the contents in time that depends only on the lengths, and
 *       {@link #hashCode()} depends only on the length: a record holding a {@code Secret}
 *       compares by value, and neither comparison nor hashing leaks where two secrets differ.</li>
 *   <li>{@link #copyBytes()} is the only way out, and its name says it copies.</li>
 *   <li>{@link #destroy()} zeroes the bytes where RFC 9420 Section 9.2 asks for deletion (a ratchet
 *       key once used); any later use throws.</li>
 * </ul>
 */
public final class Secret {
    private final byte[] bytes;
    private boolean destroyed;

    private Secret(byte[] owned) {
        this.bytes = owned;
    }

    /** A secret holding a copy of {@code bytes}: later changes to the array do not reach it. */
    public static Secret copyOf(byte[] bytes) {
        return new Secret(bytes.clone());
    }

    /** Takes an array the crypto code has just computed and nobody else holds, without copying. */
    static Secret owning(byte[] fresh) {
        return new Secret(fresh);
    }

    /** Reads an {@code opaque secret<V>} (a saved state, GroupSecrets), keeping the array the reader has just made. */
    public static Secret readOpaque(TlsReader r) {
        return new Secret(r.readOpaque());
    }

    /** Writes the secret as {@code opaque secret<V>}, without copying it out. */
    public void writeOpaque(TlsWriter w) {
        w.writeOpaque(bytes());
    }

    /** The array itself, for the crypto code, which only reads it. */
    byte[] bytes() {
        if (destroyed) {
            throw new IllegalStateException("the secret has been destroyed");
        }
        return bytes;
    }

    public int length() {
        return bytes.length;
    }

    /** A fresh copy of the secret bytes, which the caller owns and should erase when done. */
    public byte[] copyBytes() {
        return bytes().clone();
    }

    /** An independent copy, which {@link #destroy()} on this secret does not reach. */
    public Secret copy() {
        return new Secret(bytes().clone());
    }

    /**
     * Zeroes the bytes (RFC 9420 Section 9.2 deletion); the secret cannot be used afterwards. The
     * shape of {@code javax.security.auth.Destroyable}, without the dependency the MLS library's
     * JDK-only rule keeps out.
     */
    public void destroy() {
        Arrays.fill(bytes, (byte) 0);
        destroyed = true;
    }

    public boolean isDestroyed() {
        return destroyed;
    }

    /**
     * Constant-time value equality (the time depends only on the lengths). A destroyed secret
     * equals only itself, so that comparing never throws.
     */
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof Secret other && !destroyed && !other.destroyed
                && MessageDigest.isEqual(bytes, other.bytes);
    }

    /** Only the length: a content hash would let hash-table timing tell secrets apart. */
    @Override
    public int hashCode() {
        return bytes.length;
    }

    @Override
    public String toString() {
        return "Secret[" + bytes.length + " bytes" + (destroyed ? ", destroyed]" : "]");
    }
}
