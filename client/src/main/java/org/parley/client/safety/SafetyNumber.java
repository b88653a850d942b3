package org.parley.client.safety;

import org.parley.mls.codec.Bytes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A 60-digit number two people compare to know that no one sits between them, computed as Signal's
 * numeric fingerprint (version 0, 5200 SHA-512 iterations): each side's 30 digits come from its
 * stable identifier (the username) and its identity key (the account's Ed25519 key, which signs
 * every device of the account), and the two halves are ordered so both sides get the same number.
 * The keys are those the client holds (its own, and the one it pinned for the other person), never
 * what the server lists; a new device of the same account leaves the number as it is.
 */
public final class SafetyNumber {
    private static final int ITERATIONS = 5200;
    private static final byte[] VERSION = {0, 0};

    private SafetyNumber() {
    }

    /** One account's side: its username and its account key. */
    public record Side(String username, Bytes accountKey) {
    }

    /** The 60 digits, without spaces. */
    public static String compute(Side local, Side remote) {
        String a = digits(local);
        String b = digits(remote);
        return a.compareTo(b) <= 0 ? a + b : b + a;
    }

    /** The digits in twelve groups of five, as shown to people. */
    public static String format(String number) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < number.length(); i += 5) {
            out.append(i == 0 ? "" : i % 20 == 0 ? "\n" : " ").append(number, i, Math.min(number.length(), i + 5));
        }
        return out.toString();
    }

    /** Whether a number typed by a person (spaces and line breaks ignored) equals {@code expected}. */
    public static boolean matches(String expected, String typed) {
        String digits = typed.replaceAll("\\s", "");
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), digits.getBytes(StandardCharsets.US_ASCII));
    }

    private static String digits(Side side) {
        byte[] combined = side.accountKey().toByteArray();
        try {
            MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
            sha512.update(VERSION);
            sha512.update(combined);
            sha512.update(side.username().getBytes(StandardCharsets.UTF_8));
            byte[] hash = sha512.digest();
            for (int i = 0; i < ITERATIONS; i++) {
                sha512.update(hash);
                sha512.update(combined);
                hash = sha512.digest();
            }
            StringBuilder out = new StringBuilder();
            for (int chunk = 0; chunk < 6; chunk++) {
                long value = 0;
                for (int i = 0; i < 5; i++) {
                    value = (value << 8) | (hash[chunk * 5 + i] & 0xffL);
                }
                out.append(String.format("%05d", value % 100_000));
            }
            return out.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 is missing from this JDK", e);
        }
    }
}
