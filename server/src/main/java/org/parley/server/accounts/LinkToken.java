package org.parley.server.accounts;

import java.security.MessageDigest;
import java.time.Instant;

import com.google.protobuf.ByteString;

/**
 * A single-use secret that lets a new device join an account until {@code expires}. The server
 * keeps only its hash; the secret is shown once, to the issuing device.
 *
 * <p>The secret is compared in constant time and never printed: {@link #toString()} hides it,
 * and {@link #hashCode()} does not read it.
 */
public record LinkToken(ByteString secret, Instant expires) {
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof LinkToken other && expires.equals(other.expires)
                && MessageDigest.isEqual(secret.toByteArray(), other.secret.toByteArray());
    }

    @Override
    public int hashCode() {
        return expires.hashCode();
    }

    @Override
    public String toString() {
        return "LinkToken[secret=(hidden), expires=" + expires + "]";
    }
}
