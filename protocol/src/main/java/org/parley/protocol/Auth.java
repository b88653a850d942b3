package org.parley.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What a device signs to prove it holds its identity key: a fixed context label followed by the
 * server's fresh challenge. The label keeps these signatures from being valid anywhere else the
 * same key signs (MLS uses its own labels, RFC 9420 section 5.1.2).
 */
public final class Auth {
    public static final int CHALLENGE_LENGTH = 32;
    private static final byte[] LABEL = "parley-v1-auth".getBytes(StandardCharsets.US_ASCII);

    private Auth() {
    }

    /** The exact bytes an Ed25519 signature in Authenticate, Register or RequestLink covers. */
    public static byte[] signedContent(byte[] challengeNonce) {
        if (challengeNonce.length != CHALLENGE_LENGTH) {
            throw new IllegalArgumentException("a challenge is " + CHALLENGE_LENGTH + " bytes, got " + challengeNonce.length);
        }
        byte[] content = Arrays.copyOf(LABEL, LABEL.length + CHALLENGE_LENGTH);
        System.arraycopy(challengeNonce, 0, content, LABEL.length, CHALLENGE_LENGTH);
        return content;
    }
}
