package org.parley.client.account;

import org.parley.client.net.ServerAddress;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/**
 * For the older linking direction (IssueLinkToken on the device that has the account, RedeemLinkToken
 * on the new one), which the server still serves; the {@code parley} command links the other way
 * round ({@link Accounts#requestLink}, {@link Accounts#approveLink}).
 *
 * <p>What a person carries from the device that has the account to the new one: the single-use link
 * token, the username and the server URL, in Crockford base32 (no I, L, O, U; case and dashes
 * ignored, so it survives being read aloud or retyped) with a 4-byte SHA-256 check so that a typo
 * is reported as a bad code instead of reaching the server.
 *
 * <p>Layout before encoding: version (1) | token length (1) | token | username length (1) |
 * username | server URL (rest) | check (4).
 */
public record LinkCode(String tokenHex, String username, ServerAddress server) {
    private static final int VERSION = 1;
    private static final int CHECK_BYTES = 4;
    private static final int MAX_CODE_CHARS = 512;
    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /** The code as people see it: groups of five characters. */
    public String encode() {
        byte[] token = HexFormat.of().parseHex(tokenHex);
        byte[] name = username.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(VERSION);
        out.write(token.length);
        out.writeBytes(token);
        out.write(name.length);
        out.writeBytes(name);
        out.writeBytes(server.toString().getBytes(StandardCharsets.UTF_8));
        byte[] body = out.toByteArray();
        byte[] all = Arrays.copyOf(body, body.length + CHECK_BYTES);
        System.arraycopy(check(body), 0, all, body.length, CHECK_BYTES);
        String plain = base32(all);
        StringBuilder grouped = new StringBuilder();
        for (int i = 0; i < plain.length(); i += 5) {
            if (i > 0) {
                grouped.append('-');
            }
            grouped.append(plain, i, Math.min(plain.length(), i + 5));
        }
        return grouped.toString();
    }

    /**
     * Reads a typed code.
     *
     * @throws IllegalArgumentException with a message for people when the code is mistyped or not a link code
     */
    public static LinkCode decode(String typed) {
        String bad = "that is not a valid link code (a character is wrong or missing); ask the device that issued it"
                + " for a new one and copy it exactly";
        if (typed == null || typed.length() > MAX_CODE_CHARS) {
            throw new IllegalArgumentException(bad);
        }
        String normalized = typed.replace("-", "").replace(" ", "").toUpperCase(Locale.ROOT)
                .replace('O', '0').replace('I', '1').replace('L', '1');
        byte[] all = unbase32(normalized, bad);
        if (!base32(all).equals(normalized)) {
            // Extra characters or non-zero padding bits: not a code this class wrote.
            throw new IllegalArgumentException(bad);
        }
        if (all.length < 1 + 1 + 1 + 1 + CHECK_BYTES) {
            throw new IllegalArgumentException(bad);
        }
        byte[] body = Arrays.copyOf(all, all.length - CHECK_BYTES);
        byte[] check = Arrays.copyOfRange(all, body.length, all.length);
        if (!MessageDigest.isEqual(check, check(body))) {
            throw new IllegalArgumentException(bad);
        }
        if (body[0] != VERSION) {
            throw new IllegalArgumentException("this link code comes from a newer Parley (format " + body[0] + "); upgrade Parley");
        }
        int at = 1;
        int tokenLength = body[at++] & 0xff;
        if (at + tokenLength + 1 > body.length) {
            throw new IllegalArgumentException(bad);
        }
        byte[] token = Arrays.copyOfRange(body, at, at + tokenLength);
        at += tokenLength;
        int nameLength = body[at++] & 0xff;
        if (at + nameLength > body.length) {
            throw new IllegalArgumentException(bad);
        }
        String name = new String(body, at, nameLength, StandardCharsets.UTF_8);
        at += nameLength;
        String url = new String(body, at, body.length - at, StandardCharsets.UTF_8);
        return new LinkCode(HexFormat.of().formatHex(token), name, ServerAddress.parse(url));
    }

    private static byte[] check(byte[] body) {
        try {
            return Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(body), CHECK_BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static String base32(byte[] data) {
        StringBuilder out = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(ALPHABET.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString();
    }

    private static byte[] unbase32(String text, String bad) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int buffer = 0;
        int bits = 0;
        for (int i = 0; i < text.length(); i++) {
            int value = ALPHABET.indexOf(text.charAt(i));
            if (value < 0) {
                throw new IllegalArgumentException(bad);
            }
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8) {
                out.write((buffer >> (bits - 8)) & 0xff);
                bits -= 8;
            }
        }
        return out.toByteArray();
    }

    @Override
    public String toString() {
        return "LinkCode[" + username + " at " + server + ", token hidden]";
    }
}
