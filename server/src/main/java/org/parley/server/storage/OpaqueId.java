package org.parley.server.storage;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * An identifier that is only bytes: random account, device and attachment ids, and the opaque
 * group ids clients choose. Equality is by class and content; {@link #toString()} is hex, so ids
 * may appear in logs (they are not secrets). The bytes are copied in and out.
 */
public abstract class OpaqueId {
    private final byte[] bytes;

    protected OpaqueId(byte[] bytes, int minLength, int maxLength) {
        if (bytes == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " must not be null");
        }
        if (bytes.length < minLength || bytes.length > maxLength) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " must be "
                    + (minLength == maxLength ? minLength : minLength + " to " + maxLength)
                    + " bytes, got " + bytes.length);
        }
        this.bytes = bytes.clone();
    }

    /** Fresh random bytes for a new identifier. */
    protected static byte[] randomBytes(int length) {
        return Secrets.random(length);
    }

    /** A copy of the identifier's bytes. */
    public final byte[] bytes() {
        return bytes.clone();
    }

    public final String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public final boolean equals(Object other) {
        return other != null && other.getClass() == getClass() && Arrays.equals(bytes, ((OpaqueId) other).bytes);
    }

    @Override
    public final int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public final String toString() {
        return hex();
    }
}
