package org.parley.server.storage;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * How the stores keep secrets they must recognise later (access keys, invite codes): only a
 * SHA-256 hash, compared in constant time. The secrets are high-entropy random values, so an
 * unsalted hash cannot be reversed by guessing.
 */
public final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    public static byte[] hash(byte[] secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Whether {@code secret} hashes to {@code storedHash}, in time independent of where they differ. */
    public static boolean matches(byte[] secret, byte[] storedHash) {
        return storedHash != null && secret != null && MessageDigest.isEqual(hash(secret), storedHash);
    }

    public static byte[] random(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
