package org.parley.server.calls;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A call's random 128-bit identifier. The relay only compares it: it learns nothing about who
 * is in the call beyond the participant ids its tokens name.
 */
public record CallId(long high, long low) {
    public static final int BYTES = 16;

    /** The id whose 16 big-endian bytes (high, then low) are {@code bytes}, as in a call token. */
    public static CallId of(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("a call id is " + BYTES + " bytes, got " + bytes.length);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        return new CallId(in.getLong(), in.getLong());
    }

    public byte[] toBytes() {
        return ByteBuffer.allocate(BYTES).putLong(high).putLong(low).array();
    }

    public static CallId random(SecureRandom random) {
        return new CallId(random.nextLong(), random.nextLong());
    }

    @Override
    public String toString() {
        return HexFormat.of().toHexDigits(high) + HexFormat.of().toHexDigits(low);
    }
}
