package org.parley.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Locale;

/**
 * The code a new device shows (LinkRequested.code) and a signed-in device types (ApproveLink.code):
 * 10 random Crockford base32 characters (50 bits, single use, ten minutes) and 2 check characters
 * from SHA-256 of them, so that a typo is caught before it reaches the server. Shown as
 * {@code XXXX-XXXX-XXXX}; case, dashes and spaces are ignored, and O, I, L read as 0, 1, 1.
 */
public final class DeviceLinkCode {
    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final int RANDOM_CHARS = 10;
    private static final int CHECK_CHARS = 2;
    private static final int MAX_TYPED_CHARS = 64;

    private DeviceLinkCode() {
    }

    /** A fresh code in its displayed form. */
    public static String generate(SecureRandom random) {
        StringBuilder code = new StringBuilder();
        for (int i = 0; i < RANDOM_CHARS; i++) {
            code.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        String canonical = code + check(code.toString());
        return canonical.substring(0, 4) + "-" + canonical.substring(4, 8) + "-" + canonical.substring(8);
    }

    /**
     * The canonical form (12 upper-case characters) of a typed code.
     *
     * @throws IllegalArgumentException when it is not a well-formed code (wrong length, a character
     *                                  outside the alphabet, or a failed check)
     */
    public static String canonical(String typed) {
        if (typed == null || typed.length() > MAX_TYPED_CHARS) {
            throw new IllegalArgumentException("a link code has " + (RANDOM_CHARS + CHECK_CHARS) + " characters");
        }
        String code = typed.replace("-", "").replace(" ", "").toUpperCase(Locale.ROOT)
                .replace('O', '0').replace('I', '1').replace('L', '1');
        if (code.length() != RANDOM_CHARS + CHECK_CHARS) {
            throw new IllegalArgumentException("a link code has " + (RANDOM_CHARS + CHECK_CHARS) + " characters, this one "
                    + code.length());
        }
        for (int i = 0; i < code.length(); i++) {
            if (ALPHABET.indexOf(code.charAt(i)) < 0) {
                throw new IllegalArgumentException("a link code has no '" + code.charAt(i) + "' (character " + (i + 1) + ")");
            }
        }
        String body = code.substring(0, RANDOM_CHARS);
        if (!MessageDigest.isEqual(check(body).getBytes(StandardCharsets.US_ASCII),
                code.substring(RANDOM_CHARS).getBytes(StandardCharsets.US_ASCII))) {
            throw new IllegalArgumentException("the link code's check characters do not match (a character is wrong)");
        }
        return code;
    }

    private static String check(String body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.US_ASCII));
            return "" + ALPHABET.charAt(digest[0] & 31) + ALPHABET.charAt(digest[1] & 31);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** What the server keeps instead of the code: SHA-256 of its canonical form. */
    public static byte[] digest(String canonical) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
