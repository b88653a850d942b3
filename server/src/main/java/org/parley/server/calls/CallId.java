package org.parley.server.calls;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A call's random 128-bit identifier. The relay only compares it: it learns nothing about who
 * is in the call beyond the participant ids its tokens name.
 */
public record CallId(long high, long low) {
    public static final int BYTES = 16;

    public static CallId random(SecureRandom random) {
        return new CallId(random.nextLong(), random.nextLong());
    }

    @Override
    public String toString() {
        return HexFormat.of().toHexDigits(high) + HexFormat.of().toHexDigits(low);
    }
}
