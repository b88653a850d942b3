package org.parley.client.account;

import org.parley.protocol.DeviceLinkCode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * The one code a new device shows while it waits to be linked: the server's one-time code (12
 * characters, {@link DeviceLinkCode}) followed by a fingerprint of the new device's keys that never
 * goes to the server: the first 80 bits of SHA-256("parley-v1-link" || identity_key ||
 * provisioning_key) as 16 Crockford base32 characters. The approving device looks the waiting keys
 * up by the server's part and checks them against the fingerprint, so a server that swaps in its
 * own waiting device is caught. Shown in groups of four: {@code ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345}.
 */
public final class LinkFingerprint {
    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final byte[] LABEL = "parley-v1-link".getBytes(StandardCharsets.US_ASCII);
    static final int SERVER_CHARS = 12;
    static final int FINGERPRINT_CHARS = 16;
    private static final int MAX_TYPED_CHARS = 128;

    private LinkFingerprint() {
    }

    /** The two halves of a typed code: the server's canonical code and the fingerprint. */
    public record Parts(String serverCode, String fingerprint) {
        @Override
        public String toString() {
            return "LinkFingerprint.Parts[hidden]";
        }
    }

    /** The 16 fingerprint characters of a waiting device's keys. */
    static String fingerprint(byte[] identityKey, byte[] provisioningKey) {
        byte[] digest;
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(LABEL);
            sha256.update(identityKey);
            sha256.update(provisioningKey);
            digest = sha256.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
        StringBuilder out = new StringBuilder(FINGERPRINT_CHARS);
        // 80 bits, five at a time, most significant first.
        for (int i = 0; i < FINGERPRINT_CHARS; i++) {
            int bit = i * 5;
            int twoBytes = ((digest[bit / 8] & 0xff) << 8) | (digest[bit / 8 + 1] & 0xff);
            out.append(ALPHABET.charAt((twoBytes >> (11 - bit % 8)) & 31));
        }
        return out.toString();
    }

    /** The code to show on the new device: the server's code and the fingerprint, in groups of four. */
    static String shown(String serverCode, byte[] identityKey, byte[] provisioningKey) {
        String plain = DeviceLinkCode.canonical(serverCode) + fingerprint(identityKey, provisioningKey);
        StringBuilder grouped = new StringBuilder();
        for (int i = 0; i < plain.length(); i += 4) {
            grouped.append(i == 0 ? "" : "-").append(plain, i, i + 4);
        }
        return grouped.toString();
    }

    /**
     * Reads a typed code (case, dashes and spaces ignored; O, I and L read as 0, 1 and 1).
     *
     * @throws IllegalArgumentException with a message for people when it is not such a code
     */
    public static Parts split(String typed) {
        String expected = "that is not a valid link code; type the whole code 'parley link' shows on the new device,"
                + " like ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345";
        if (typed == null || typed.length() > MAX_TYPED_CHARS) {
            throw new IllegalArgumentException(expected);
        }
        String code = typed.replace("-", "").replace(" ", "").toUpperCase(Locale.ROOT)
                .replace('O', '0').replace('I', '1').replace('L', '1');
        if (code.length() != SERVER_CHARS + FINGERPRINT_CHARS) {
            throw new IllegalArgumentException(expected + " (" + (SERVER_CHARS + FINGERPRINT_CHARS) + " characters, this one "
                    + code.length() + ")");
        }
        String serverCode;
        try {
            serverCode = DeviceLinkCode.canonical(code.substring(0, SERVER_CHARS));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(expected + " (" + e.getMessage() + ")", e);
        }
        String fingerprint = code.substring(SERVER_CHARS);
        for (int i = 0; i < fingerprint.length(); i++) {
            if (ALPHABET.indexOf(fingerprint.charAt(i)) < 0) {
                throw new IllegalArgumentException(expected + " (no '" + fingerprint.charAt(i) + "' in a link code)");
            }
        }
        return new Parts(serverCode, fingerprint);
    }

    /** Whether the typed fingerprint is that of these keys; compared in constant time. */
    static boolean matches(Parts typed, byte[] identityKey, byte[] provisioningKey) {
        return MessageDigest.isEqual(typed.fingerprint().getBytes(StandardCharsets.US_ASCII),
                fingerprint(identityKey, provisioningKey).getBytes(StandardCharsets.US_ASCII));
    }
}
