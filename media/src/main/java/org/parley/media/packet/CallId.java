package org.parley.media.packet;

import java.security.SecureRandom;
import java.util.HexFormat;

/** A call's random 128-bit identifier, chosen by the caller and shared in the call's signalling. */
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
